# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection and sign-in options shared by every module that talks to APIG (and, for the diagnosis, VPC and ECS),
and what such a module requires."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
author:
  - hwcloud.apig developers (@hwcloud-apig)
requirements:
  - python >= 3.8
  - requests >= 2.25.0 (on the host the module runs on)
options:
  region:
    description:
      - Huawei Cloud region, for example C(ap-southeast-1).
      - Used to derive O(endpoint) and O(iam_endpoint) when they are not given, and as the IAM project scope
        when O(project_id) is not given with password sign-in.
      - If not set then the value of the E(HW_REGION_NAME) environment variable is used.
    type: str
  project_id:
    description:
      - The ID of the project (tenant) that owns the APIG instance - 32 lowercase hexadecimal characters, as the
        console's My Credentials > API Credentials lists it for each region; not the project's name.
      - Required with O(auth_token) and with O(access_key); optional with password sign-in, where the project
        of the token scoped to O(region) is used.
      - If not set then the value of E(HW_PROJECT_ID) or E(HUAWEICLOUD_SDK_PROJECT_ID) is used, in that order.
    type: str
  endpoint:
    description:
      - Base URL of the APIG API, for example C(https://apig.ap-southeast-1.myhuaweicloud.com), without a path (the
        module adds C(/v2/{project_id}/apigw/...)).
      - Defaults to C(https://apig.<region>.myhuaweicloud.com) (C(.myhuaweicloud.eu) for C(eu-west-101)). When that
        name does not resolve (a misspelled O(region)), the task fails at once, naming the region and the host.
      - If not set then the value of E(HW_APIG_ENDPOINT) is used.
    type: str
  iam_endpoint:
    description:
      - Base URL of IAM, used only for password sign-in. Both C(https://iam.example.com) and the
        Terraform-style C(https://iam.example.com/v3) are accepted.
      - Defaults to C(https://iam.<region>.myhuaweicloud.com).
      - If not set then the value of E(HW_AUTH_URL) is used.
    type: str
  vpc_endpoint:
    description:
      - Base URL of the VPC API, for example C(https://vpc.ap-southeast-1.myhuaweicloud.com), without a path.
      - Used only by the diagnosis of unreachable backends (O(hwcloud.apig.backend_connectivity#module:diagnose)),
        which reads ports, subnets, VPCs and security-group rules there, signed as the APIG calls are and through
        the same proxy.
      - Defaults to C(https://vpc.<region>.myhuaweicloud.com) (C(.myhuaweicloud.eu) for C(eu-west-101)) when
        O(endpoint) is not given either; an APIG endpoint given explicitly (a private endpoint, an emulator) means the
        region's public endpoints are not guessed. Without an endpoint the diagnosis says it is not available, and
        names what to set; the checks are made all the same.
      - If not set then the value of E(HW_VPC_ENDPOINT) is used.
    type: str
    version_added: 0.2.0
  ecs_endpoint:
    description:
      - Base URL of the ECS API, for example C(https://ecs.ap-southeast-1.myhuaweicloud.com), without a path.
      - Used only by the diagnosis, to read the security groups of a VPC channel member given by its ECS server.
      - Defaults to C(https://ecs.<region>.myhuaweicloud.com) when O(endpoint) is not given either, as
        O(vpc_endpoint).
      - If not set then the value of E(HW_ECS_ENDPOINT) is used.
    type: str
    version_added: 0.2.0
  auth_token:
    description:
      - An IAM token, sent as C(X-Auth-Token). One of the three ways to sign in.
      - If not set then the value of E(HW_AUTH_TOKEN) is used.
      - Mutually exclusive with O(access_key) and O(user_name).
    type: str
  access_key:
    description:
      - Access key ID for C(SDK-HMAC-SHA256) request signing. One of the three ways to sign in; needs O(secret_key).
      - If not set then the value of E(HW_ACCESS_KEY) or E(HUAWEICLOUD_SDK_AK) is used, in that order.
    type: str
    aliases: [ak]
  secret_key:
    description:
      - Secret access key that signs each request. It is never sent.
      - If not set then the value of E(HW_SECRET_KEY) or E(HUAWEICLOUD_SDK_SK) is used, in that order.
    type: str
    aliases: [sk]
  security_token:
    description:
      - Security token of temporary AK/SK credentials, sent (and signed) as C(X-Security-Token).
      - If not set then the value of E(HW_SECURITY_TOKEN) or E(HUAWEICLOUD_SDK_SECURITY_TOKEN) is used, in that order.
    type: str
  user_name:
    description:
      - IAM user name for password sign-in, with O(password) and O(domain_name). A token is requested
        from IAM once per module run.
      - If not set then the value of E(HW_USER_NAME) is used.
    type: str
  password:
    description:
      - Password of O(user_name).
      - If not set then the value of E(HW_USER_PASSWORD) is used.
    type: str
  domain_name:
    description:
      - Account (domain) name that O(user_name) belongs to.
      - If not set then the value of E(HW_DOMAIN_NAME) is used.
    type: str
  validate_certs:
    description:
      - Verify the TLS certificates of APIG, IAM, VPC and ECS. Turning this off is only for test environments and
        produces a warning.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to verify APIG, IAM, VPC and ECS with, instead of the system trust store.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP request to IAM, APIG, VPC and ECS. More than 0 and at most 600 seconds.
    type: float
    default: 30
  retries:
    description:
      - How many times a request is retried after a throttling answer (HTTP 429), a server error
        (500, 502, 503, 504) or a connection error, with jittered exponential backoff that honours
        C(Retry-After). Other client errors are never retried.
      - From 0 to 10.
    type: int
    default: 3
  proxy:
    description:
      - URL of the HTTP proxy for every request to APIG, IAM, VPC and ECS, for example C(http://proxy.example.com:3128) or
        C(http://user:password@proxy.example.com:3128). HTTPS endpoints are reached through it with C(CONNECT).
      - If not set then E(https_proxy) / E(HTTPS_PROXY) is used for C(https://) endpoints and E(http_proxy) /
        E(HTTP_PROXY) for C(http://) ones, except for the hosts listed in E(no_proxy) / E(NO_PROXY) (names, which
        cover their sub-domains, IP addresses or CIDR blocks, optionally with C(:port), or C(*)). When set, these
        variables are not read.
      - Nothing else is taken from the environment for these requests (no C(~/.netrc) credentials, no
        E(REQUESTS_CA_BUNDLE)), and local probes never go through a proxy.
      - The password in the URL is never logged or returned; messages show the URL with the password masked.
    type: str
    version_added: 0.2.0
notes:
  - Sign-in is chosen by what is given. Credentials come from the options when any credential option is given,
    otherwise from the environment variables named above; the two are never mixed, so a play that passes
    O(access_key) and O(secret_key) is not affected by E(HW_USER_NAME) exported in its environment. Giving the parts
    of two ways to sign in at once is an error rather than a guess.
  - Secrets are never logged or returned.
  - Every result says how the run signed in, C(auth_mode) - V(token) (an IAM token), V(password) (an IAM user's
    password, exchanged for a token) or V(aksk) (AK/SK request signing, temporary credentials included) - and where
    the credentials came from, C(credentials_source) - V(options) (the module's options, C(module_defaults) included)
    or V(environment) (the variables named above, read only when no credential option is given).
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The check is read-only, so check mode runs it for real and returns the real answer.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff mode) when in diff mode.
    support: none
  action_group:
    description: Use C(group/hwcloud.apig.apig) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - hwcloud.apig.apig
"""

    INSTANCE = r"""
options:
  instance_id:
    description: ID of the APIG gateway instance (32 lowercase hexadecimal characters).
    type: str
    required: true
"""
