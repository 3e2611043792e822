// The ONE preview comment of a pull request (preview.yml), found by its hidden marker and
// updated in place on each push. Called from actions/github-script:
//
//   await require('./.github/scripts/preview-comment.js')({ github, context, core });
//
// The comment is a header and a list of sections (SECTIONS below): each is a function of
// the environment the step passes, returning Markdown, or '' to leave itself out. A new
// section is one function added to that list.
'use strict';

const { readText, runUrl } = require('./lib.js');

const MARKER = '<!-- mlpp-monitoring-preview -->';

/** Keep long output readable: its beginning and its end, the middle cut. */
function cutMiddle(text, max = 40000, head = 15000) {
  if (text.length <= max) return text;
  const cut = text.length - max;
  return text.slice(0, head) + `\n\n... ${cut} characters cut, see the run log ...\n\n` +
    text.slice(text.length - (max - head));
}

/** `pulumi preview --diff` output, in a fence the output itself cannot close. */
function previewSection(env) {
  const output = cutMiddle(readText(env.PREVIEW_FILE, Infinity) || '(no output)');
  return [
    '<details open><summary>Output</summary>',
    '',
    '~~~~~~diff',
    output.replace(/~{6,}/g, '~~~~~'),
    '~~~~~~',
    '',
    '</details>',
  ].join('\n');
}

/** The room the behaviour section may take; the preview output keeps 40000 characters, so
 *  the comment stays under GitHub's 65536. */
const MAX_BEHAVIOUR = 20000;

/** What the pull request does to the alerts' and monitors' behaviour: the Markdown of
 *  `mlpp-monitoring test-alerts --compare HEAD^1 --markdown` (empty when no alert or
 *  monitor changes: no section), or why it could not be computed. */
function behaviourSection(env) {
  const code = env.BEHAVIOUR_EXIT_CODE;
  if (code === undefined || code === '') return '';
  if (code !== '0' && code !== '1') {
    const said = readText(env.BEHAVIOUR_ERRORS, MAX_BEHAVIOUR).trim() || '(no message)';
    return [
      '#### Behaviour: not computed',
      '',
      `\`mlpp-monitoring test-alerts --compare\` exited ${code}:`,
      '',
      '~~~~~~text',
      said.replace(/~{6,}/g, '~~~~~'),
      '~~~~~~',
    ].join('\n');
  }
  return readText(env.BEHAVIOUR_FILE, MAX_BEHAVIOUR).trim();
}

const SECTIONS = [previewSection, behaviourSection];

function renderComment(env, context) {
  const sha = (context.payload.pull_request?.head?.sha ?? context.sha).slice(0, 7);
  const status = env.PREVIEW_EXIT_CODE === '0'
    ? 'succeeded' : `**failed** (exit code ${env.PREVIEW_EXIT_CODE})`;
  const header = [
    MARKER,
    `### \`pulumi preview --diff --stack ${env.PULUMI_STACK}\` ${status}`,
    '',
    `Commit ${sha}, [workflow run](${runUrl(context)}). This comment is updated on each push.`,
  ].join('\n');
  const sections = SECTIONS.map((section) => section(env)).filter(Boolean);
  return [header, ...sections].join('\n\n');
}

module.exports = async function previewComment({ github, context, core }) {
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const body = renderComment(process.env, context);
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner, repo, issue_number, per_page: 100,
  });
  const mine = comments.find((c) => c.user?.type === 'Bot' && (c.body ?? '').includes(MARKER));
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    core.info(`updated preview comment ${mine.html_url}`);
  } else {
    const { data } = await github.rest.issues.createComment({ owner, repo, issue_number, body });
    core.info(`created preview comment ${data.html_url}`);
  }
};

module.exports.MARKER = MARKER;
module.exports.SECTIONS = SECTIONS;
