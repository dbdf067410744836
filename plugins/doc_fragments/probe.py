# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The documentation of the local probe options (``module_utils/probe_spec.py`` declares them once).

``DOCUMENTATION`` explains each option in full, as ``backend_probe`` takes them at its top level.
``LOCAL_PROBE`` documents where ``backend_connectivity`` takes the same options as typed suboptions
(``local_probe`` and each entry's ``local_probe`` in ``checks``, one YAML anchor for both): there each option
states its type, choices and default, and points at the full explanation instead of repeating it.
``tests/unit/test_option_declarations.py`` holds both equal to the argument spec.
"""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  protocol:
    description:
      - How to probe C(host:port) targets.
      - V(tcp) connects; V(tls) also completes a TLS handshake; V(http) and V(https) also send one request and check
        the response.
    type: str
    choices: [tcp, tls, http, https]
    default: tcp
  path:
    description:
      - Request path (with an optional query string) for V(http) and V(https) probes of C(host:port) targets.
    type: str
    default: /
  method:
    description:
      - HTTP method. Redirects are not followed.
    type: str
    choices: [GET, HEAD]
    default: GET
  expected_status:
    description:
      - HTTP status codes that count as success.
      - A list of integers, or the API Gateway's own syntax as a string, such as V(200,201), V(200-299) or
        V(200,300-399).
    type: raw
    default: 200-399
  body_regex:
    description:
      - Python regular expression that must be found in the response body (searched, not matched from the start).
      - Only the first 64 KiB of the body are read and searched. Cannot be used with C(method=HEAD).
    type: str
  headers:
    description:
      - Extra HTTP request headers. A C(Host) header given here replaces the one derived from the target.
    type: dict
  validate_certs:
    description:
      - Verify the backend's TLS certificate and host name for V(tls) and V(https) probes.
      - Set to V(false) to probe backends with self-signed certificates; C(cert_days_left) is still reported.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates to trust in addition to the system's, for backends with certificates from a
        private CA.
      - The file is read on the managed host.
    type: path
  server_name:
    description:
      - Name to send as TLS SNI, to verify the certificate against, and to put in the C(Host) header.
      - Use it when targets are IP addresses but the certificate names a host. Defaults to each target's host.
    type: str
  timeout:
    description:
      - Seconds one probe of one target may take, from the first connection attempt to the last byte read.
    type: float
    default: 5
  concurrency:
    description:
      - How many probes that need a thread of their own run at the same time (1 to 10000) - those of host names (they
        are resolved first), and V(tls), V(http) and V(https) probes. Each holds at most one socket; N of them that all
        time out take about ceil(N / concurrency) times C(timeout).
      - Plain V(tcp) connects to IP addresses need no thread - one selector loop makes them all, as many at once as the
        limit on open files allows (its soft limit, less the descriptors in use and a headroom of 64), so N unreachable
        IP targets take one C(timeout) as long as they fit.
    type: int
    default: 100
"""

    LOCAL_PROBE = r"""
options:
  local_probe:
    description:
      - Options of the local probes of O(probe=local) and O(probe=both), as in M(hwcloud.apig.backend_probe).
      - Ansible checks and converts each key as the option of the same name there; an unknown key is refused.
    type: dict
    default: {}
    suboptions: &probe_options
      protocol:
        description:
          - How to probe; see O(hwcloud.apig.backend_probe#module:protocol).
          - When not set, the members of a VPC channel with a health check are probed as that health check probes
            them (its protocol, path, method, port and accepted C(http_code)); otherwise V(tcp).
          - Set it to choose yourself; the health check is then not followed at all.
        type: str
        choices: [tcp, tls, http, https]
      path:
        description:
          - Request path for V(http) and V(https); see O(hwcloud.apig.backend_probe#module:path).
          - When not set, the health check's path, or V(/).
        type: str
      method:
        description:
          - HTTP method; see O(hwcloud.apig.backend_probe#module:method).
          - When not set, the health check's method, or V(GET).
        type: str
        choices: [GET, HEAD]
      expected_status:
        description:
          - Status codes that count as success; see O(hwcloud.apig.backend_probe#module:expected_status).
          - When not set, the health check's C(http_code), or V(200-399).
        type: raw
      body_regex:
        description: What the body must contain; see O(hwcloud.apig.backend_probe#module:body_regex).
        type: str
      headers:
        description: Extra request headers; see O(hwcloud.apig.backend_probe#module:headers).
        type: dict
      validate_certs:
        description: Verify backend certificates; see O(hwcloud.apig.backend_probe#module:validate_certs).
        type: bool
        default: true
      ca_path:
        description: CA certificates to trust; see O(hwcloud.apig.backend_probe#module:ca_path).
        type: path
      server_name:
        description: TLS SNI and Host name; see O(hwcloud.apig.backend_probe#module:server_name).
        type: str
      timeout:
        description: Seconds for one probe of one target; see O(hwcloud.apig.backend_probe#module:timeout).
        type: float
        default: 5
      concurrency:
        description: Probes that need a thread, run at once; see O(hwcloud.apig.backend_probe#module:concurrency).
        type: int
        default: 100
  checks:
    description:
      - Several checks run in one module run. Each entry takes the options of a single check.
      - Mutually exclusive with O(instance_id), O(backend_type), O(backend_address) and O(vpc_channel_id).
    type: list
    elements: dict
    suboptions:
      name:
        description: A name for the check, used in C(failures) and reports. Defaults to the address or channel ID.
        type: str
      instance_id:
        description: ID of the APIG gateway instance.
        type: str
        required: true
      backend_type:
        description: V(backend_address) or V(vpc_channel).
        type: str
        required: true
        choices: [backend_address, vpc_channel]
      backend_address:
        description: The backend address, as O(backend_address), when O(checks[].backend_type=backend_address).
        type: str
      vpc_channel_id:
        description: VPC channel ID when O(checks[].backend_type=vpc_channel).
        type: str
      probe:
        description: As O(probe); defaults to O(probe).
        type: str
        choices: [remote, local, both]
      local_probe:
        description: As O(local_probe); defaults to O(local_probe) (the whole dictionary, not key by key).
        type: dict
        suboptions: *probe_options
      probe_all_members:
        description: As O(probe_all_members); defaults to O(probe_all_members).
        type: bool
"""
