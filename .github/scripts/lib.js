// Helpers the workflows' github-script steps share (preview-comment.js, drift-issues.js).
// Plain CommonJS, no dependency: actions/github-script's `require('./...')` resolves a path
// against the workspace (its src/wrap-require.ts), and tests/workflows runs these in Node
// against a fake of the REST API.
'use strict';

const fs = require('fs');

/** The author of what the workflows post with GITHUB_TOKEN. */
const BOT = 'github-actions[bot]';

/** Issue and comment bodies hold at most 65536 characters; leave room for the frame. */
const MAX_BODY = 60000;

/** The link to the current workflow run. */
function runUrl(context) {
  const { owner, repo } = context.repo;
  return `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
}

/** A file's text ('' when missing), cut to `max` characters with a note saying so. */
function readText(path, max = MAX_BODY, where = 'the workflow run') {
  const text = path && fs.existsSync(path) ? fs.readFileSync(path, 'utf8') : '';
  if (text.length <= max) return text;
  return text.slice(0, max) +
    `\n\n_Cut at ${max} of ${text.length} characters: the full text is in ${where}._`;
}

/** The open issues with `label` that this workflow opened: its bot wrote them and their
 *  body holds `marker`. An issue a person filed with the same label is never touched. */
async function ownIssues(github, context, label, marker) {
  const { owner, repo } = context.repo;
  const open = await github.paginate(github.rest.issues.listForRepo, {
    owner, repo, state: 'open', labels: label, sort: 'created', direction: 'asc', per_page: 100,
  });
  return open.filter((issue) => !issue.pull_request &&
    issue.user?.login === BOT && (issue.body ?? '').includes(marker));
}

/** Create `label` unless it exists (422). */
async function ensureLabel(github, context, name, color, description) {
  const { owner, repo } = context.repo;
  try {
    await github.rest.issues.createLabel({ owner, repo, name, color, description });
  } catch (error) {
    if (error.status !== 422) throw error;
  }
}

module.exports = { BOT, MAX_BODY, runUrl, readText, ownIssues, ensureLabel };
