from tests.dashboard.conftest import log_days, nurse_client_a  # noqa: F401 - shared fixtures
from tests.notifications.conftest import _standin_server, twilio, twilio_post  # noqa: F401 - shared fixtures
from tests.webcheckin.conftest import link_for  # noqa: F401 - shared fixture
