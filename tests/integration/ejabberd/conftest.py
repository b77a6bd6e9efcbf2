"""
Fixtures of the integration tests behind ejabberd: the tests of this folder
get a throwaway ejabberd (L{LocalEjabberd}) as their C{server}, and so the
real service and clients of C{tests/integration/conftest.py} connect to it
instead of Prosody.
"""

import pytest

from mucservice.devserver.ejabberd import LocalEjabberd, ejabberdBinary
from tests.integration.conftest import SERVICE

if ejabberdBinary() is None:
    pytest.skip("ejabberd cannot start here: it is not installed (.ci/run installs it with "
                "apt-get install ejabberd)", allow_module_level=True)


@pytest.fixture
def ejabberd(tmp_path):
    with LocalEjabberd(str(tmp_path / "ejabberd"), componentJID=SERVICE) as server:
        yield server


@pytest.fixture
def server(ejabberd):
    return ejabberd
