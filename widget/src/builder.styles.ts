/**
 * The styles of `<everjust-builder>`, inside its shadow root. Every colour, radius and font comes from
 * a custom property with a default, so a host page themes the widget without reaching inside it
 * (`everjust-builder { --everjust-accent: #e11d48 }`); `::part(...)` styles single pieces. `theme`
 * presets only change the defaults: a host's custom properties still win.
 */
/** The dark preset (theme="dark", and theme="auto" when the visitor prefers dark): only defaults change. */
const DARK = `
  --_accent-fg: #a5b4fc;
  --_hl-keyword: #c4b5fd; --_hl-string: #6ee7b7; --_hl-number: #fcd34d; --_hl-tag: #93c5fd; --_hl-attr: #f9a8d4;
  --_bg: var(--everjust-background, #0f172a);
  --_fg: var(--everjust-foreground, #e5e7eb);
  --_muted: var(--everjust-muted, #9ca3af);
  --_surface: var(--everjust-surface, #1e293b);
  --_border: var(--everjust-border, #334155);
  --_danger: var(--everjust-danger, #f87171);
  --_success: var(--everjust-success, #34d399);
  color-scheme: dark;
`;

export const styles = `
:host {
  --_accent: var(--everjust-accent, #4f46e5);
  --_accent-text: var(--everjust-accent-text, #fff);
  /* The accent as text on the background (commands, pressed buttons): readable on either theme. */
  --_accent-fg: var(--_accent);
  --_bg: var(--everjust-background, #fff);
  --_fg: var(--everjust-foreground, #111827);
  --_muted: var(--everjust-muted, #6b7280);
  --_surface: var(--everjust-surface, #f9fafb);
  --_border: var(--everjust-border, #e5e7eb);
  --_danger: var(--everjust-danger, #b91c1c);
  --_success: var(--everjust-success, #047857);
  --_radius: var(--everjust-radius, 8px);
  /* Code colours (AA on the surface). */
  --_hl-keyword: #7c3aed; --_hl-string: #047857; --_hl-number: #b45309; --_hl-tag: #1d4ed8; --_hl-attr: #9d174d;
  --_font: var(--everjust-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  --_mono: var(--everjust-font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
  --_focus: var(--everjust-focus-ring, 0 0 0 3px color-mix(in srgb, var(--_accent) 35%, transparent));
  display: block;
  /* In a host's grid or flex layout, shrink to the space given instead of growing to our content. */
  min-width: 0;
  color: var(--_fg);
  font: 14px/1.45 var(--_font);
  contain: content;
}
:host([theme="dark"]) {${DARK}}
@media (prefers-color-scheme: dark) { :host([theme="auto"]) {${DARK}} }
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.base { display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius); padding: 12px; container-type: inline-size; }
.header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 4px 12px; min-width: 0; }
.title { margin: 0; font-size: 15px; font-weight: 600; flex: none; }
.badge { font-size: 12px; color: var(--_muted); text-align: right; overflow-wrap: anywhere; flex: 1 1 12em; min-width: 0; }
.badge[data-tone="error"] { color: var(--_danger); }
.badge[data-tone="ok"] { color: var(--_success); }
.go-live { display: flex; flex-wrap: wrap; align-items: center; justify-content: flex-end; gap: 4px 8px; flex: 0 1 auto; margin-left: auto; min-width: 0; font-size: 12px; }
.deploy-status { color: var(--_muted); overflow-wrap: anywhere; min-width: 0; }
.deploy-status:empty { display: none; }
.deploy-status[data-tone="error"] { color: var(--_danger); }
.live { display: inline-flex; gap: 4px; max-width: 100%; color: var(--_success); font-weight: 600; min-width: 0; }
.live a { color: var(--_accent-fg); font-weight: 400; min-width: 0; max-width: 28em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.layout { display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr); }
@container (min-width: 820px) { .layout { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); } }
section { min-width: 0; }
.chat { display: grid; gap: 8px; align-content: start; }
.thread {
  display: flex; flex-direction: column; gap: 10px; overflow: auto; padding: 8px;
  height: var(--everjust-log-height, 360px); border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px);
}
.turn { display: grid; gap: 6px; }
.message { padding: 8px 10px; border-radius: calc(var(--_radius) - 2px); max-width: 92%; overflow-wrap: anywhere; }
.message p { margin: 0; white-space: pre-wrap; }
.message p + p { margin-top: 6px; }
.user { justify-self: end; background: color-mix(in srgb, var(--_accent) 14%, var(--_bg)); }
.assistant { justify-self: start; background: var(--_surface); border: 1px solid var(--_border); }
.attached { font-size: 12px; opacity: .9; }
.who { display: block; font-size: 11px; font-weight: 600; margin-bottom: 2px; opacity: .9; }
.outcome { font-size: 12px; font-weight: 600; margin-top: 6px !important; }
.outcome[data-status="succeeded"] { color: var(--_success); }
.outcome[data-status="failed"], .message .error { color: var(--_danger); }
.question { display: grid; gap: 6px; margin-top: 6px; padding: 8px; border: 1px solid var(--_accent); border-radius: calc(var(--_radius) - 2px); background: var(--_bg); }
.question .asked { font-weight: 600; }
.choices { display: flex; flex-wrap: wrap; gap: 6px; }
.free-answer { display: flex; gap: 6px; }
.free-answer input { flex: 1; min-width: 0; font: inherit; color: inherit; background: var(--_bg); padding: 5px 8px; border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px); }
.question .given { font-size: 12px; color: var(--_success); }
.steps { margin-top: 6px; font-size: 12px; }
.steps summary { cursor: pointer; color: var(--_muted); }
.step-list { display: grid; gap: 2px; margin-top: 4px; font: 12px/1.5 var(--_mono); white-space: pre-wrap; overflow-wrap: anywhere; }
.step-list .file::before { content: "✎ "; }
.step-list .command { color: var(--_accent-fg); }
.step-list .output { color: var(--_muted); max-height: 160px; overflow: auto; }
.step-list .error { color: var(--_danger); }
.earlier { align-self: center; font-size: 12px; }
form { display: grid; gap: 6px; border-radius: calc(var(--_radius) - 2px); }
form[data-dropping] { box-shadow: var(--_focus); }
.attachments { display: flex; flex-wrap: wrap; gap: 6px; margin: 0; padding: 0; list-style: none; }
.attachment { display: flex; align-items: center; gap: 6px; padding: 3px 4px 3px 3px; border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px); font-size: 12px; max-width: 100%; }
.attachment img { width: 32px; height: 32px; object-fit: cover; border-radius: 4px; }
.attachment span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 14em; }
.attachment button { padding: 0 6px; line-height: 1.4; }
.attach-message { margin: 0; font-size: 12px; color: var(--_danger); }
.attach-message:empty { display: none; }
label { font-weight: 500; }
textarea {
  width: 100%; min-height: 64px; resize: vertical; padding: 8px 10px;
  font: inherit; color: inherit; background: var(--_bg);
  border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px);
}
textarea:focus-visible, input:focus-visible, button:focus-visible, a:focus-visible, [tabindex]:focus-visible, iframe:focus-visible, summary:focus-visible { outline: none; box-shadow: var(--_focus); border-color: var(--_accent); }
.hint, .readonly-note { margin: 0; font-size: 12px; color: var(--_muted); }
.actions, .toolbar, .devices { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.devices { margin-left: auto; }
button, .toolbar a {
  font: inherit; font-size: 13px; cursor: pointer; padding: 5px 11px; border-radius: calc(var(--_radius) - 2px);
  border: 1px solid var(--_border); background: var(--_surface); color: inherit; text-decoration: none;
}
button.primary { background: var(--_accent); border-color: var(--_accent); color: var(--_accent-text); }
button[aria-pressed="true"] { border-color: var(--_accent); color: var(--_accent-fg); font-weight: 600; }
button:disabled { cursor: not-allowed; opacity: .55; }
.workspace { display: grid; gap: 8px; align-content: start; }
.tabs { display: flex; gap: 4px; border-bottom: 1px solid var(--_border); }
[role="tab"] { border: 0; border-bottom: 2px solid transparent; border-radius: 0; background: none; padding: 6px 10px; color: var(--_muted); }
[role="tab"][aria-selected="true"] { color: var(--_fg); border-bottom-color: var(--_accent); font-weight: 600; }
.panel { display: grid; gap: 8px; min-width: 0; }
.version-banner { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; font-size: 12px; padding: 4px 8px; border: 1px solid var(--_accent); border-radius: calc(var(--_radius) - 2px); }
.app-errors { font-size: 12px; color: var(--_danger); border: 1px solid var(--_danger); border-radius: calc(var(--_radius) - 2px); padding: 4px 8px; }
.app-errors { display: flex; flex-wrap: wrap; align-items: flex-start; justify-content: space-between; gap: 6px; }
.app-errors details { flex: 1 1 12em; min-width: 0; }
.app-errors summary { cursor: pointer; font-weight: 600; }
.app-errors button { font-size: 12px; padding: 2px 10px; color: var(--_danger); border-color: var(--_danger); background: var(--_bg); font-weight: 600; }
.app-errors ul { margin: 4px 0 0; padding-left: 18px; font-family: var(--_mono); overflow-wrap: anywhere; }
.stage { display: flex; justify-content: center; overflow: auto; background: var(--_surface); border-radius: calc(var(--_radius) - 2px); }
.files-list { margin: 0; padding: 0; list-style: none; max-height: 160px; overflow: auto; }
.files-list button { width: 100%; text-align: left; border: 0; background: none; padding: 2px 4px; font: 12px/1.5 var(--_mono); }
.files-list ul { margin: 0; padding: 0 0 0 14px; list-style: none; }
.files-list .folder > button { font-weight: 600; }
.hl-keyword { color: var(--_hl-keyword); } .hl-string { color: var(--_hl-string); } .hl-comment { color: var(--_muted); font-style: italic; }
.hl-number { color: var(--_hl-number); } .hl-tag { color: var(--_hl-tag); } .hl-attr { color: var(--_hl-attr); }
.files-list button[aria-current="true"] { background: color-mix(in srgb, var(--_accent) 12%, transparent); }
.viewer {
  margin: 0; padding: 8px 10px; height: var(--everjust-viewer-height, 260px); overflow: auto;
  background: var(--_surface); border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px);
  font: 12px/1.5 var(--_mono); white-space: pre;
}
.diff-toggle { justify-self: start; font-size: 12px; padding: 2px 10px; }
.diff ins, .diff del, .diff span { display: block; text-decoration: none; }
.diff-add { background: color-mix(in srgb, var(--_success) 16%, transparent); }
.diff-del { background: color-mix(in srgb, var(--_danger) 14%, transparent); }
.diff-skip, .diff-summary { color: var(--_muted); }
.versions { margin: 0; padding: 0; list-style: none; display: grid; gap: 6px; }
.version { display: flex; flex-wrap: wrap; gap: 6px 8px; align-items: center; padding: 6px 8px; border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px); }
.version img { flex: none; width: 96px; height: 60px; object-fit: cover; object-position: top; border: 1px solid var(--_border); border-radius: 4px; background: #fff; }
.version-prompt { flex: 1 1 8em; min-width: 0; }
.version[aria-current="true"] { border-color: var(--_accent); }
.version time { font-size: 12px; color: var(--_muted); white-space: nowrap; }
.version-prompt { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.current { font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 999px; background: var(--_accent); color: var(--_accent-text); }
.empty { color: var(--_muted); font-size: 12px; margin: 0; }
iframe {
  display: block; width: 100%; max-width: 100%; height: var(--everjust-preview-height, 420px);
  border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px); background: #fff;
}
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (prefers-reduced-motion: no-preference) { button { transition: background-color .15s, box-shadow .15s; } }
`;
