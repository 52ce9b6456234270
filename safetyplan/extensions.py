"""Flask extensions as module singletons, initialised by create_app in the order written here.

CSRF comes first so that no later hook can act on a forged request; Babel next so that every page after it,
error pages included, is in the user's language.
"""

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
