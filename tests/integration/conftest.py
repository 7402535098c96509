from tests.integration.conftest_pg import *  # noqa
