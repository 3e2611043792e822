// The drift workflow's issues (drift.yml), kept in step with each check:
//
// - driftIssues: one issue per kind of drift `mlpp-monitoring drift --result-json` reports
//   (console edits, undeployed changes), labelled `drift`, titled with its kind; opened
//   when the kind appears, updated while it lasts (a comment only when the report
//   changes), closed when it is gone.
// - checkFailingIssue: after `threshold` failed checks in a row (this run included), one
//   issue labelled `drift-check-failing`; closed by the first check that passes. A check
//   that fails is not drift, and it must not stay silent: GitHub notifies only whoever
//   last edited the cron line, so an expired token would quietly switch drift off.
//
// Each issue carries a hidden marker naming its kind, and only issues this workflow's bot
// opened with that marker are updated or closed: a `drift` issue a person filed is left
// alone. Called from actions/github-script:
//
//   const { driftIssues } = require('./.github/scripts/drift-issues.js');
//   await driftIssues({ github, context, core });
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const { MAX_BODY, ensureLabel, ownIssues, runUrl } = require('./lib.js');

const DRIFT_LABEL = 'drift';
const FAILING_LABEL = 'drift-check-failing';
const FAILING_MARKER = '<!-- mlpp-monitoring:drift-check-failing -->';
const DEFAULT_THRESHOLD = 3;
/** Run conclusions that are a failed check; cancelled and skipped runs are no check at all
 *  (a queued run that a newer one replaced is cancelled) and are passed over. */
const FAILED = new Set(['failure', 'timed_out', 'startup_failure']);
const NOT_A_CHECK = new Set(['cancelled', 'skipped']);

const KINDS = {
  'console-edits': {
    title: (stack) => `Drift: console edits on ${stack}`,
    gone: 'Console edits gone: the live objects match the last deployed state again.',
  },
  undeployed: {
    title: (stack) => `Drift: undeployed changes on ${stack}`,
    gone: 'Undeployed changes gone: what the program declares is deployed.',
  },
};

const markerOf = (kind) => `<!-- mlpp-monitoring:drift kind=${kind} `;

/** The check's result file (`--result-json`), or null when it is missing or unreadable. */
function readResult(path) {
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function driftBody(kind, result, report, context) {
  const digest = crypto.createHash('sha256').update(report).digest('hex').slice(0, 16);
  return {
    digest,
    body: [
      `${markerOf(kind)}report=${digest} -->`,
      `The drift check (\`mlpp-monitoring drift\`) found ${result.kinds[kind].title} on ` +
        `stack \`${result.stack}\`.`,
      '',
      `Last checked ${new Date().toISOString()} ([workflow run](${runUrl(context)})). ` +
        'Each check updates this issue; the first one that finds none closes it. The ' +
        'whole report is in the run summary and its `drift-report` artifact.',
      '',
      report,
    ].join('\n'),
  };
}

async function driftIssues({ github, context, core, resultPath = process.env.DRIFT_RESULT }) {
  const { owner, repo } = context.repo;
  const result = readResult(resultPath);
  if (!result || !['in-sync', 'drift'].includes(result.result)) {
    throw new Error(`no drift result in ${resultPath}: the check did not run to the end`);
  }
  for (const [kind, spec] of Object.entries(KINDS)) {
    const found = result.kinds?.[kind];
    if (!found) throw new Error(`the drift result has no kind ${kind}`);
    const mine = await ownIssues(github, context, DRIFT_LABEL, markerOf(kind));
    if (found.found > 0) {
      let report = found.report || '_The check wrote no report: see the workflow run._';
      if (report.length > MAX_BODY) {
        report = report.slice(0, MAX_BODY) + `\n\n_Report cut at ${MAX_BODY} of ` +
          `${report.length} characters: see the \`drift-report\` artifact._`;
      }
      const { digest, body } = driftBody(kind, result, report, context);
      const title = spec.title(result.stack);
      if (mine.length === 0) {
        await ensureLabel(github, context, DRIFT_LABEL, 'd93f0b',
          'Production differs from what was deployed (drift workflow)');
        const { data } = await github.rest.issues.create({
          owner, repo, title, body, labels: [DRIFT_LABEL],
        });
        core.notice(`opened issue #${data.number}: ${title}`);
        continue;
      }
      const issue = mine[0];
      const changed = !(issue.body ?? '').includes(`report=${digest} `);
      await github.rest.issues.update({ owner, repo, issue_number: issue.number, title, body });
      if (changed) {
        await github.rest.issues.createComment({
          owner, repo, issue_number: issue.number,
          body: `The ${found.title} changed ([workflow run](${runUrl(context)})); ` +
            `new report:\n\n${report}`,
        });
      }
      core.notice(`updated issue #${issue.number}` + (changed ? ' (report changed)' : ''));
    } else {
      for (const issue of mine) {
        await github.rest.issues.createComment({
          owner, repo, issue_number: issue.number,
          body: `${spec.gone} ([workflow run](${runUrl(context)})) Closing.`,
        });
        await github.rest.issues.update({
          owner, repo, issue_number: issue.number, state: 'closed', state_reason: 'completed',
        });
        core.notice(`closed issue #${issue.number}: ${kind} gone`);
      }
    }
  }
}

/** The threshold from DRIFT_FAILING_AFTER: unset means 3; anything but a whole number of
 *  1 or more is named in a warning, and 3 is used. */
function threshold(raw, core) {
  if (raw === undefined || raw === '') return DEFAULT_THRESHOLD;
  if (/^[1-9][0-9]*$/.test(raw)) return Number(raw);
  core.warning(`repository variable DRIFT_FAILING_AFTER is '${raw}': a whole number of ` +
    `checks, 1 or more, is allowed; using ${DEFAULT_THRESHOLD}`);
  return DEFAULT_THRESHOLD;
}

/** How many checks before this run failed in a row (among the last 100 runs). */
async function failuresBefore(github, context) {
  const { owner, repo } = context.repo;
  // .github/workflows/drift.yml@refs/heads/main -> drift.yml
  const workflow = (process.env.GITHUB_WORKFLOW_REF ?? '').split('@')[0].split('/').pop();
  const { data } = await github.rest.actions.listWorkflowRuns({
    owner, repo, workflow_id: workflow, branch: process.env.GITHUB_REF_NAME,
    status: 'completed', per_page: 100,
  });
  let count = 0;
  for (const run of data.workflow_runs ?? []) {
    if (run.id === context.runId || NOT_A_CHECK.has(run.conclusion)) continue;
    if (!FAILED.has(run.conclusion)) break;
    count += 1;
  }
  return count;
}

async function checkFailingIssue({ github, context, core, env = process.env }) {
  const { owner, repo } = context.repo;
  const passed = ['0', '7', '8'].includes(env.CHECK_EXIT_CODE ?? '');
  const mine = await ownIssues(github, context, FAILING_LABEL, FAILING_MARKER);
  if (passed) {
    for (const issue of mine) {
      await github.rest.issues.createComment({
        owner, repo, issue_number: issue.number,
        body: `The drift check passes again ([workflow run](${runUrl(context)})). Closing.`,
      });
      await github.rest.issues.update({
        owner, repo, issue_number: issue.number, state: 'closed', state_reason: 'completed',
      });
      core.notice(`closed issue #${issue.number}: the drift check passes again`);
    }
    return;
  }
  const needed = threshold(env.DRIFT_FAILING_AFTER, core);
  const failures = 1 + await failuresBefore(github, context);
  if (failures < needed) {
    core.info(`the drift check failed ${failures} time(s) in a row; an issue opens at ${needed}`);
    return;
  }
  const result = readResult(env.DRIFT_RESULT);
  const reason = result?.message ||
    'The check did not run to the end (a set-up step failed): see the workflow run log.';
  const title = 'The drift check is failing: drift is not being watched';
  const body = [
    FAILING_MARKER,
    `The drift check failed ${failures} time(s) in a row (this issue opens after ` +
      `${needed}; repository variable \`DRIFT_FAILING_AFTER\`). Until it passes, nobody ` +
      'learns about console edits or undeployed changes. This is not drift.',
    '',
    `Last failure: ${new Date().toISOString()}, [workflow run](${runUrl(context)}):`,
    '',
    '~~~~~~',
    reason.slice(0, 4000).replace(/~{6,}/g, '~~~~~'),
    '~~~~~~',
    '',
    'Common causes: a key or token expired or was rotated (a 401, or a 403 naming a ' +
      'scope), a secret or variable missing from the environment `monitoring-read`, a ' +
      'stack never deployed (run the deploy workflow once). docs/GITHUB-ACTIONS.md lists ' +
      'what goes where. The first check that passes closes this issue.',
  ].join('\n');
  if (mine.length > 0) {
    await github.rest.issues.update({ owner, repo, issue_number: mine[0].number, title, body });
    core.notice(`updated issue #${mine[0].number}: ${failures} failed checks in a row`);
    return;
  }
  await ensureLabel(github, context, FAILING_LABEL, 'b60205',
    'The drift check itself keeps failing (drift workflow)');
  const { data } = await github.rest.issues.create({
    owner, repo, title, body, labels: [FAILING_LABEL],
  });
  core.notice(`opened issue #${data.number}: ${failures} failed drift checks in a row`);
}

module.exports = { driftIssues, checkFailingIssue, KINDS, FAILING_MARKER, markerOf };
