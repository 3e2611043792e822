# shellcheck shell=bash
# Sourced by the steps of preview.yml, drift.yml and deploy.yml that run Pulumi: the one
# block those three share (a fix reaches all three). It defines:
#
#   ci_credentials ENVIRONMENT
#       Drops the credentials that arrived empty (a secret or variable that is not set
#       reaches a job as ""), so that Pulumi and the cloud SDKs fall back as if unset;
#       then lists in CI_MISSING what this job lacks: the variable PULUMI_STACK, the
#       backend's secret, the vendor keys. Exits 2 when the stack file holds a vendor key
#       as a stack secret: the passphrase would then open the read-write key to every job,
#       and the stack secret wins over the environment's read-only key.
#   ci_login
#       `pulumi login` to PULUMI_BACKEND_URL (else Pulumi Cloud); returns 2 on failure.
#   ci_redact FILE...
#       Replaces every credential value found in each FILE with ***: GitHub masks secrets
#       in logs, not in the comments and issues the workflows post.

CI_CREDENTIALS=(PULUMI_ACCESS_TOKEN PULUMI_CONFIG_PASSPHRASE UPTIMEROBOT_API_KEY
    SENTRY_AUTH_TOKEN AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY GOOGLE_CREDENTIALS
    AZURE_STORAGE_KEY)
CI_VARIABLES=(PULUMI_STACK PULUMI_BACKEND_URL AWS_REGION AZURE_STORAGE_ACCOUNT)

ci_credentials() {
    local environment=$1 name stack_file key
    CI_MISSING=()
    for name in "${CI_CREDENTIALS[@]}" "${CI_VARIABLES[@]}"; do
        if [[ -z "${!name:-}" ]]; then unset "$name"; fi
    done
    if [[ -z "${PULUMI_STACK:-}" ]]; then
        CI_MISSING+=("variable PULUMI_STACK (the stack's full name, e.g. organization/mlpp-monitoring/production)")
    fi
    if [[ -n "${PULUMI_BACKEND_URL:-}" && "$PULUMI_BACKEND_URL" != https://* ]]; then
        [[ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ]] ||
            CI_MISSING+=("secret PULUMI_CONFIG_PASSPHRASE of the environment $environment")
    else
        [[ -n "${PULUMI_ACCESS_TOKEN:-}" ]] ||
            CI_MISSING+=("secret PULUMI_ACCESS_TOKEN of the environment $environment")
    fi
    for name in UPTIMEROBOT_API_KEY SENTRY_AUTH_TOKEN; do
        [[ -n "${!name:-}" ]] || CI_MISSING+=("secret $name of the environment $environment")
    done
    stack_file="Pulumi.${PULUMI_STACK##*/}.yaml"
    for key in uptimerobot:apiKey sentry:authToken; do
        if [[ -n "${PULUMI_STACK:-}" && -f "$stack_file" ]] && grep -q "^ *$key:" "$stack_file"; then
            echo "::error title=vendor key in the stack file::$stack_file holds $key as a stack secret: every job with the passphrase could decrypt it, and it would win over the read-only key of the environment monitoring-read. Remove it (pulumi config rm $key --stack $PULUMI_STACK) and keep the keys as environment secrets (docs/GITHUB-ACTIONS.md)."
            exit 2
        fi
    done
}

ci_login() {
    if ! pulumi login >/dev/null; then
        echo "::error title=pulumi login failed::check PULUMI_BACKEND_URL and the backend's credentials (docs/GITHUB-ACTIONS.md)"
        return 2
    fi
}

ci_redact() {
    python - "$@" <<'PY'
import os
import sys

NAMES = ("PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "UPTIMEROBOT_API_KEY",
         "SENTRY_AUTH_TOKEN", "AWS_SECRET_ACCESS_KEY", "GOOGLE_CREDENTIALS", "AZURE_STORAGE_KEY")
for path in sys.argv[1:]:
    if not os.path.isfile(path):
        continue
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for name in NAMES:
        value = os.environ.get(name, "")
        if len(value) >= 4:
            text = text.replace(value, "***")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
PY
}
