export { Deck, DEFAULT_DECK, collectDecks, currentDeck, type CollectedDecks, type DeckRecord } from './deck.ts';
export { DECK_CSS, DECK_FILE_NAME, deckPage } from './page.ts';
export { escapeHtml } from './html.ts';
export { renderCode, renderImage, renderJson, renderMarkdown, renderTable, type TableOptions } from './renderers.ts';
