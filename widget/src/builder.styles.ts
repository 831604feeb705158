/**
 * The styles of `<everjust-builder>`, inside its shadow root. Every colour, radius and font comes from
 * a custom property with a default, so a host page themes the widget without reaching inside it
 * (`everjust-builder { --everjust-accent: #e11d48 }`); `::part(...)` styles single pieces.
 */
export const styles = `
:host {
  --_accent: var(--everjust-accent, #4f46e5);
  --_accent-text: var(--everjust-accent-text, #fff);
  --_bg: var(--everjust-background, #fff);
  --_fg: var(--everjust-foreground, #111827);
  --_muted: var(--everjust-muted, #6b7280);
  --_surface: var(--everjust-surface, #f9fafb);
  --_border: var(--everjust-border, #e5e7eb);
  --_danger: var(--everjust-danger, #b91c1c);
  --_success: var(--everjust-success, #047857);
  --_radius: var(--everjust-radius, 8px);
  --_font: var(--everjust-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  --_mono: var(--everjust-font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
  --_focus: var(--everjust-focus-ring, 0 0 0 3px color-mix(in srgb, var(--_accent) 35%, transparent));
  display: block;
  color: var(--_fg);
  font: 14px/1.45 var(--_font);
  contain: content;
}
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: border-box; }
.base { display: grid; gap: 12px; background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius); padding: 12px; }
.header { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
.title { margin: 0; font-size: 15px; font-weight: 600; }
.badge { font-size: 12px; color: var(--_muted); }
.badge[data-tone="error"] { color: var(--_danger); }
.badge[data-tone="ok"] { color: var(--_success); }
form { display: grid; gap: 6px; }
label { font-weight: 500; }
textarea {
  width: 100%; min-height: 64px; resize: vertical; padding: 8px 10px;
  font: inherit; color: inherit; background: var(--_bg);
  border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px);
}
textarea:focus-visible, button:focus-visible, [tabindex]:focus-visible, iframe:focus-visible { outline: none; box-shadow: var(--_focus); border-color: var(--_accent); }
.hint { margin: 0; font-size: 12px; color: var(--_muted); }
.actions { display: flex; flex-wrap: wrap; gap: 6px; }
button {
  font: inherit; cursor: pointer; padding: 6px 12px; border-radius: calc(var(--_radius) - 2px);
  border: 1px solid var(--_border); background: var(--_surface); color: inherit;
}
button.primary { background: var(--_accent); border-color: var(--_accent); color: var(--_accent-text); }
button:disabled { cursor: not-allowed; opacity: .55; }
button[hidden] { display: none; }
.panes { display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 720px) { .panes { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); } .preview { grid-column: 1 / -1; } }
section { min-width: 0; }
h3 { margin: 0 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--_muted); }
.log {
  margin: 0; padding: 8px 10px; list-style: none; overflow: auto;
  height: var(--everjust-log-height, 240px); background: var(--_surface);
  border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px);
  font: 12px/1.5 var(--_mono); white-space: pre-wrap; overflow-wrap: anywhere;
}
.log li + li { margin-top: 2px; }
.log .prompt { font-family: var(--_font); font-weight: 600; margin-top: 8px; }
.log .text { font-family: var(--_font); }
.log .file::before { content: "✎ "; }
.log .command { color: var(--_accent); }
.log .output { color: var(--_muted); max-height: 160px; overflow: auto; }
.log .error { color: var(--_danger); }
.log .done { font-weight: 600; }
.log .question { font-family: var(--_font); font-weight: 600; color: var(--_accent); margin-top: 8px; }
.log .choices { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 2px; font-family: var(--_font); }
.log .done[data-status="succeeded"] { color: var(--_success); }
.log .done[data-status="failed"] { color: var(--_danger); }
.files-list { margin: 0 0 8px; padding: 0; list-style: none; max-height: 120px; overflow: auto; }
.files-list button { width: 100%; text-align: left; border: 0; background: none; padding: 2px 4px; font: 12px/1.5 var(--_mono); }
.files-list button[aria-current="true"] { background: color-mix(in srgb, var(--_accent) 12%, transparent); }
.viewer {
  margin: 0; padding: 8px 10px; height: var(--everjust-viewer-height, 200px); overflow: auto;
  background: var(--_surface); border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px);
  font: 12px/1.5 var(--_mono); white-space: pre;
}
.empty { color: var(--_muted); font-size: 12px; margin: 0; }
iframe {
  display: block; width: 100%; height: var(--everjust-preview-height, 360px);
  border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px); background: #fff;
}
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (prefers-reduced-motion: no-preference) { button { transition: background-color .15s, box-shadow .15s; } }
`;
