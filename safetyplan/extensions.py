"""Flask extensions as module singletons, initialised by create_app in the order written here.

CSRF comes first so that no later hook can act on a forged request; the login manager next, so that every
later hook knows who is asking; Babel then, so that every page after it, error pages included, is in the
user's language.
"""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
