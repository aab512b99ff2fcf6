/**
 * deck.html as flytekit writes it: one self-contained page with a tab per deck. Tabs are radio
 * inputs styled with CSS, so switching works with scripts disabled (the Flyte Console shows the
 * file in a sandboxed frame) and nothing is fetched.
 */

import type { DeckRecord } from './deck.ts';
import { escapeHtml } from './html.ts';

/** The file name flytekit gives a task's decks, under its output prefix. */
export const DECK_FILE_NAME = 'deck.html';

export function deckPage(decks: readonly DeckRecord[], title = 'Flyte Deck'): string {
  const tabs = decks
    .map((d, i) => {
      const id = `deck-${i}`;
      return (
        `<input type="radio" name="deck" id="${id}"${i === 0 ? ' checked' : ''}>` +
        `<label for="${id}">${escapeHtml(d.name)}</label>` +
        `<section class="deck" data-deck="${escapeHtml(d.name)}">${d.html}</section>`
      );
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${DECK_CSS}</style></head>
<body><main class="decks">
${decks.length === 0 ? '<p class="empty">This task wrote no deck.</p>' : tabs}
</main></body></html>
`;
}

export const DECK_CSS = `
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;margin:0;color:#1f2328;background:#fff}
.decks{display:flex;flex-wrap:wrap;padding:0 16px}
.decks>input{position:absolute;opacity:0;pointer-events:none}
.decks>label{order:0;padding:10px 14px;cursor:pointer;border-bottom:2px solid transparent;color:#57606a}
.decks>input:checked+label{border-color:#7652a2;color:#1f2328;font-weight:600}
.decks>.deck{order:1;width:100%;display:none;padding:12px 0;border-top:1px solid #d0d7de}
.decks>input:checked+label+.deck{display:block}
.deck-table,.deck table{border-collapse:collapse;margin:8px 0}
.deck-table th,.deck-table td{border:1px solid #d0d7de;padding:4px 8px;text-align:left}
.deck-table th{background:#f6f8fa}
pre{background:#f6f8fa;padding:10px;overflow:auto;border-radius:6px}
code{font-family:ui-monospace,"Liberation Mono",monospace;font-size:13px}
.deck-image{max-width:100%}
.empty,.deck-dropped{color:#57606a}
`;
