/**
 * Flyte Decks for task code: HTML a task writes about its own work. `currentDeck()` inside a task
 * body returns the task's default deck (`currentDeck('Charts')` a named one, as flytekit's
 * `Deck(name)`); whoever runs the body opens a scope with `collectDecks` and gets the decks back —
 * `tflyte execute` writes them to `<output prefix>/deck.html`, a local run puts them in its report.
 * Outside any scope (a direct call in a script), additions are kept by a deck nobody reads.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { TflyteError } from '../errors.ts';
import { renderCode, renderImage, renderJson, renderMarkdown, renderTable, type TableOptions } from './renderers.ts';

/** One named deck as rendered: its HTML fragments, in the order they were added. */
export interface DeckRecord {
  readonly name: string;
  readonly html: string;
}

/** The deck flytekit calls `default`: what `currentDeck()` returns. */
export const DEFAULT_DECK = 'default';

export class Deck {
  readonly name: string;
  readonly #parts: string[] = [];

  constructor(name: string) {
    if (typeof name !== 'string' || name.trim() === '')
      throw new TflyteError('TFLYTE_INVALID_INPUT', "deck name must be a non-empty string, e.g. currentDeck('Summary')");
    this.name = name;
  }

  /** Raw HTML, trusted as written (do not pass user-provided strings here; use `markdown` or `text`). */
  html(fragment: string): this {
    this.#parts.push(String(fragment));
    return this;
  }
  markdown(source: string): this {
    return this.html(renderMarkdown(source));
  }
  table(records: readonly Readonly<Record<string, unknown>>[], options?: TableOptions): this {
    return this.html(renderTable(records, options));
  }
  code(source: string, language?: string): this {
    return this.html(renderCode(source, language));
  }
  json(value: unknown): this {
    return this.html(renderJson(value));
  }
  image(bytes: Uint8Array, mimeType: string, alt?: string): this {
    return this.html(renderImage(bytes, mimeType, alt));
  }

  toRecord(): DeckRecord {
    return { name: this.name, html: this.#parts.join('\n') };
  }
}

/** The decks of one task execution, by name, in creation order. */
class DeckScope {
  decks = new Map<string, Deck>();
  get(name: string): Deck {
    let deck = this.decks.get(name);
    if (deck === undefined) this.decks.set(name, (deck = new Deck(name)));
    return deck;
  }
}

/** What `collectDecks` hands its caller while the body runs. */
export interface DeckScopeHandle {
  /**
   * Forgets what the body wrote so far. A retried attempt starts its decks afresh, as a new
   * attempt's process does on a cluster, so a run's deck is the one its last attempt wrote.
   */
  restart(): void;
}

export interface CollectDecksOptions {
  /** Called once, before `fn` runs, with the scope's handle. */
  readonly onScope?: (scope: DeckScopeHandle) => void;
}

const scopes = new AsyncLocalStorage<DeckScope>();
const detached = new DeckScope();

/** The current task execution's deck named `name` (default: `default`), created on first use. */
export function currentDeck(name: string = DEFAULT_DECK): Deck {
  return (scopes.getStore() ?? detached).get(name);
}

/** What `fn` did (its value, or what it threw), with the non-empty decks it wrote. */
export interface CollectedDecks<T> {
  readonly result: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };
  readonly decks: DeckRecord[];
}

/**
 * Runs `fn` as one task execution's deck scope. It settles either way, since a failed task's decks
 * are shown too; a nested scope collects its own decks, apart from the outer one's.
 */
export async function collectDecks<T>(fn: () => T | Promise<T>, options: CollectDecksOptions = {}): Promise<CollectedDecks<T>> {
  const scope = new DeckScope();
  options.onScope?.({
    restart: () => {
      scope.decks = new Map();
    },
  });
  try {
    const value = await scopes.run(scope, fn);
    return { result: { ok: true, value }, decks: decksOf(scope) };
  } catch (error) {
    return { result: { ok: false, error }, decks: decksOf(scope) };
  }
}

function decksOf(scope: DeckScope): DeckRecord[] {
  return [...scope.decks.values()].map((d) => d.toRecord()).filter((d) => d.html !== '');
}
