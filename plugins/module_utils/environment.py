# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the sign-in layer reads from the environment: which variable stands for which option, and the secrets they
hold.

One rule for every environment variable the collection reads (these, and the proxy variables ``proxies.py``
reads): a variable that is set but empty (or only blanks) counts as unset. CI systems export ``HW_REGION_NAME=``
for a variable or secret that was not defined, and the SDKs and terraform-provider-huaweicloud ignore it too.
What is then missing is said by ``connection.py``, naming the empty variables (``said_empty``).
"""

import os

from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.hwcloud.apig.plugins.module_utils.proxies import PROXY_VARIABLES, credential_forms

# Where each credential option is looked for in the environment, in order (terraform-provider-huaweicloud's names,
# then the Python SDK's).
CREDENTIAL_ENV = (
    ("auth_token", ("HW_AUTH_TOKEN",)),
    ("access_key", ("HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK")),
    ("secret_key", ("HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK")),
    ("security_token", ("HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN")),
    ("user_name", ("HW_USER_NAME",)),
    ("password", ("HW_USER_PASSWORD",)),
    ("domain_name", ("HW_DOMAIN_NAME",)),
)


# Where each non-secret setting is looked for in the environment, in order, when its option is not given.
SETTING_ENV = (
    ("region", ("HW_REGION_NAME",)),
    ("project_id", ("HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID")),
    ("endpoint", ("HW_APIG_ENDPOINT",)),
    ("iam_endpoint", ("HW_AUTH_URL",)),
    ("vpc_endpoint", ("HW_VPC_ENDPOINT",)),
    ("ecs_endpoint", ("HW_ECS_ENDPOINT",)),
)
VARIABLES_OF = dict(SETTING_ENV + CREDENTIAL_ENV)


def variable_value(environ, name):
    """The value of an environment variable, or None when it is unset - or set but empty or blank."""
    value = environ.get(name)
    return value if value is not None and value.strip() else None


def non_empty_env_fallback(*variables):
    """The argument-spec fallback of a setting: the first of ``variables`` with a value (empty ones count as unset)."""
    for name in variables:
        value = variable_value(os.environ, name)
        if value is not None:
            return value
    raise AnsibleFallbackNotFound


def empty_variables(environ, *options):
    """The variables of ``options`` that are set but empty, in the order the options and their variables are read."""
    return [
        name
        for option in options
        for name in VARIABLES_OF[option]
        if name in environ and variable_value(environ, name) is None
    ]


def said_empty(environ, *options):
    """'; HW_X is set but empty, which counts as unset' for a message about what is missing, or ''."""
    names = empty_variables(environ, *options)
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else "%s and %s" % (", ".join(names[:-1]), names[-1])
    return "; %s %s set but empty, which counts as unset" % (listed, "is" if len(names) == 1 else "are")


def credentials_given_as_options(params):
    """Whether any credential option is given: then the options, and only they, are the credentials."""
    return any(params.get(name) is not None for name, _variables in CREDENTIAL_ENV)


def credentials_from(params, environ):
    """The credential values to use: the options if any is given, otherwise the environment's.

    "Module option first" for a whole sign-in, not per value: a play that passes access_key and secret_key is not
    turned into a conflict (or worse, a mix) by HW_USER_NAME exported in the CI job's environment.
    """
    names = [name for name, _variables in CREDENTIAL_ENV]
    if credentials_given_as_options(params):
        return {name: params.get(name) for name in names}
    found = {}
    for name, variables in CREDENTIAL_ENV:
        values = (variable_value(environ, variable) for variable in variables)
        found[name] = next((value for value in values if value is not None), None)
    return found


SECRET_OPTIONS = ("auth_token", "access_key", "secret_key", "security_token", "password")


def secrets_in_reach(params, environ):
    """Every secret value an option or the environment holds, whether or not this run ends up using it.

    Known before any validation, so that even a refusal of bad input can be scrubbed of them.
    """
    found = [params.get(name) for name in SECRET_OPTIONS]
    found.extend(
        environ.get(variable) for name, variables in CREDENTIAL_ENV if name in SECRET_OPTIONS for variable in variables
    )
    found.extend(credential_forms(params.get("proxy")))
    found.extend(
        form for names in PROXY_VARIABLES.values() for name in names for form in credential_forms(environ.get(name))
    )
    return [value for value in found if isinstance(value, str) and value.strip()]
