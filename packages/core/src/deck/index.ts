export {
  type CollectDecksOptions,
  type CollectedDecks,
  collectDecks,
  currentDeck,
  DEFAULT_DECK,
  Deck,
  type DeckRecord,
  type DeckScopeHandle,
} from './deck.ts';
export { escapeHtml } from './html.ts';
export { DECK_CSS, DECK_FILE_NAME, deckPage } from './page.ts';
export { renderCode, renderImage, renderJson, renderMarkdown, renderTable, type TableOptions } from './renderers.ts';
