/**
 * The reporter: a small script injected early into every HTML page of a preview. It catches what the
 * end user's browser sees go wrong (uncaught errors, unhandled rejections, `console.error`, resources
 * that failed to load), sends each to the preview origin with `sendBeacon` (to `…/<token>/__everjust/errors`,
 * next to where it was loaded from, so the report is tied to the preview token) and posts it to the
 * parent window (`{ type: 'everjust:preview-error', error }`: the widget, an integrator's page).
 * It reports each distinct error once per page load and at most 50 per page; the server dedupes,
 * truncates and rate-limits again, as a page's scripts can send anything.
 */
export const REPORTER_SCRIPT = `(function(){var s=document.currentScript,u=s&&s.src.replace(/reporter\\.js(\\?.*)?$/,'errors'),seen={},n=0;
function r(k,m,f,l,c,t){m=String(m==null?'':m).slice(0,2000);var key=[k,m,f,l,c].join('|');if(!u||seen[key]||n>=50)return;seen[key]=1;n++;
var e={kind:k,message:m,source:f||null,line:l||null,column:c||null,stack:t?String(t).slice(0,4000):null,page:location.pathname+location.search};
try{navigator.sendBeacon(u,JSON.stringify(e))}catch(x){}try{if(parent!==window)parent.postMessage({type:'everjust:preview-error',error:e},'*')}catch(x){}}
addEventListener('error',function(v){var t=v.target;if(t&&t!==window&&t.tagName){var a=t.src||t.href||'';r('resource','Failed to load '+t.tagName.toLowerCase()+' '+a,a)}else r('error',v.message,v.filename,v.lineno,v.colno,v.error&&v.error.stack)},true);
addEventListener('unhandledrejection',function(v){var x=v.reason;r('unhandledrejection',x&&x.message||x,null,null,null,x&&x.stack)});
var o=console.error;console.error=function(){try{r('console.error',[].map.call(arguments,function(a){try{return a instanceof Error?a.message:typeof a=='object'?JSON.stringify(a):String(a)}catch(x){return String(a)}}).join(' '))}catch(x){}return o.apply(this,arguments)}})();
`;

/** Whether a script `src` is on the page's own origin (relative or root-relative), where we can vouch for CORS. */
const SAME_ORIGIN_SRC = /^(?!\s*(?:[a-z][a-z0-9+.-]*:|\/\/))/i;

/**
 * Puts the reporter first in the page's `<head>` (or after `<html>`, or the doctype, or at the very
 * start) and marks the page's own external scripts `crossorigin`: the page has an opaque origin (the
 * CSP sandbox), so without CORS every script is cross-origin and the browser hides its errors as
 * "Script error."; the preview answers `Access-Control-Allow-Origin: *`, so these loads still work.
 */
export function injectReporter(html: string, reporterPath: string): string {
  const tag = `<script src="${reporterPath}"></script>`;
  const marked = html.replace(/<script\b([^>]*?)>/gi, (whole, attributes: string) => {
    const src = /\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attributes);
    if (!src || /\scrossorigin\b/i.test(attributes)) return whole;
    return SAME_ORIGIN_SRC.test(src[1] ?? src[2] ?? src[3] ?? '') ? `<script crossorigin${attributes}>` : whole;
  });
  for (const anchor of [/<head\b[^>]*>/i, /<html\b[^>]*>/i, /<!doctype[^>]*>/i]) {
    const found = anchor.exec(marked);
    if (found) return marked.slice(0, found.index + found[0].length) + tag + marked.slice(found.index + found[0].length);
  }
  return tag + marked;
}
