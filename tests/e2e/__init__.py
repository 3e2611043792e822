"""End-to-end tests: the real Pulumi engine against the sandbox."""

import pytest

# The harness's checks (e.g. assert_runbook_state) explain their failures like a test's.
pytest.register_assert_rewrite("tests.e2e.harness")
