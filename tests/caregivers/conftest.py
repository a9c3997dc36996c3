from tests.dashboard.conftest import nurse_client_a  # noqa: F401 - shared fixture
from tests.webcheckin.conftest import link_for  # noqa: F401 - shared fixture
