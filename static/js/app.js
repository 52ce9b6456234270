// SafetyPlan's own behaviour on top of the NHS.UK frontend components. Pages work without it.
import { initAll } from "/vendor/nhsuk-frontend.js";

initAll();
