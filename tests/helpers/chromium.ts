/**
 * Render an HTML file in headless Chromium and report what went wrong in the page: uncaught
 * exceptions, console messages, Content-Security-Policy violations (a network load the page tried).
 * A copy of the page gets a recorder script first; after the load event it writes the problems, and
 * the value of a `measure` expression evaluated in the page, into an attribute of <html>, which
 * --dump-dom prints. Chromium's own console log (--enable-logging=stderr) is checked too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { findTool } from './host-tools.js';

export const CHROMIUM = findTool('chromium');

/** In CI Chromium is installed by scripts/setup: missing there is a failure, elsewhere a skip. */
export const chromiumSkip = !CHROMIUM && process.env.CI !== 'true' ? 'chromium is not installed (scripts/setup installs it)' : false;

export interface Rendered {
  /** exceptions, console messages and CSP violations seen in the page */
  problems: string[];
  /** the measure expression's value */
  measured: unknown;
  dom: string;
  stderr: string;
}

const RECORDER = (measure: string) => `<script>
(function(){var P=[];window.__kilnProblems=P;
addEventListener('error',function(e){P.push('exception: '+(e.message||e.type));},true);
addEventListener('unhandledrejection',function(e){P.push('rejection: '+String(e.reason));});
addEventListener('securitypolicyviolation',function(e){P.push('csp: '+e.violatedDirective+' '+e.blockedURI);});
['error','warn','log','info'].forEach(function(k){var f=console[k];console[k]=function(){P.push('console.'+k+': '+[].join.call(arguments,' '));return f.apply(console,arguments);};});
addEventListener('load',function(){var m;try{m=(function(){return ${measure};})();}catch(e){P.push('measure: '+e);}
document.documentElement.setAttribute('data-kiln-test',JSON.stringify({problems:P,measured:m}));});})();
</script>`;

export function renderInChromium(htmlFile: string, measure = 'null'): Rendered {
  if (!CHROMIUM) throw new Error('chromium is not installed (scripts/setup installs it)');
  const html = readFileSync(htmlFile, 'utf8');
  const at = html.indexOf('<meta charset="utf-8">');
  if (at < 0) throw new Error(`${htmlFile}: no <meta charset="utf-8"> to put the recorder after`);
  const cut = at + '<meta charset="utf-8">'.length;
  // beside the original, so that its relative links mean the same
  const copy = join(dirname(htmlFile), `.${basename(htmlFile)}.chromium-test.html`);
  writeFileSync(copy, `${html.slice(0, cut)}${RECORDER(measure)}${html.slice(cut)}`);
  const profile = mkdtempSync(join(tmpdir(), 'kiln-chromium-'));
  try {
    const r = spawnSync(
      CHROMIUM,
      [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-extensions',
        '--disable-background-networking',
        // a page that tried the network would get nothing, and its CSP reports the attempt
        '--host-resolver-rules=MAP * ~NOTFOUND',
        `--user-data-dir=${profile}`,
        '--enable-logging=stderr',
        '--v=0',
        '--virtual-time-budget=5000',
        '--dump-dom',
        `file://${copy}`,
      ],
      { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20, env: { ...process.env, HOME: profile } },
    );
    if (r.status !== 0) throw new Error(`chromium exited ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
    const m = /<html[^>]* data-kiln-test="([^"]*)"/.exec(r.stdout);
    if (!m) throw new Error(`the page never finished loading (no data-kiln-test on <html>): ${r.stdout.slice(0, 500)}`);
    const unentity = (s: string) =>
      s
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&');
    const got = JSON.parse(unentity(m[1]!)) as { problems: string[]; measured: unknown };
    // Chromium's log of the page's console (INFO:CONSOLE...) and uncaught errors
    const logged = r.stderr.split('\n').filter((l) => /:CONSOLE\(|Uncaught/.test(l));
    return { problems: [...got.problems, ...logged], measured: got.measured, dom: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(copy, { force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}
