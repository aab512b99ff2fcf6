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

/** A scope's size limit, shared by its decks: what is left of it and how many additions it refused. */
interface Budget {
  readonly limit: number;
  left: number;
}

/** Set by a scope with a size limit on the decks it creates (kept off the public constructor). */
const budgets = new WeakMap<Deck, Budget>();

export class Deck {
  readonly name: string;
  readonly #parts: string[] = [];
  #dropped = 0;

  constructor(name: string) {
    if (typeof name !== 'string' || name.trim() === '')
      throw new TflyteError('TFLYTE_INVALID_INPUT', "deck name must be a non-empty string, e.g. currentDeck('Summary')");
    this.name = name;
  }

  /** Raw HTML, trusted as written (do not pass user-provided strings here; use `markdown` or `text`). */
  html(fragment: string): this {
    const text = String(fragment);
    const budget = budgets.get(this);
    if (budget !== undefined) {
      if (text.length > budget.left) {
        // Full from here on: the decks stay a prefix of what was written, not a sample of it.
        budget.left = 0;
        this.#dropped++;
        return this;
      }
      budget.left -= text.length;
    }
    this.#parts.push(text);
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
    const limit = budgets.get(this)?.limit;
    const note =
      this.#dropped === 0
        ? []
        : [
            `<p class="deck-dropped">… ${this.#dropped} more addition${this.#dropped === 1 ? '' : 's'} left out: the decks passed their limit of ${limit} characters</p>`,
          ];
    return { name: this.name, html: [...this.#parts, ...note].join('\n') };
  }
}

/** The decks of one task execution, by name, in creation order. */
class DeckScope {
  decks = new Map<string, Deck>();
  readonly budget: Budget | undefined;
  constructor(maxChars: number | undefined) {
    this.budget = maxChars === undefined ? undefined : { limit: maxChars, left: maxChars };
  }
  get(name: string): Deck {
    let deck = this.decks.get(name);
    if (deck === undefined) {
      this.decks.set(name, (deck = new Deck(name)));
      if (this.budget !== undefined) budgets.set(deck, this.budget);
    }
    return deck;
  }
  restart(): void {
    this.decks = new Map();
    if (this.budget !== undefined) this.budget.left = this.budget.limit;
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
  /**
   * Characters of HTML the scope's decks may hold together. The first addition that does not fit
   * and every one after it are left out, and each deck that lost some ends with a line saying how many. Default: no limit (deck.html
   * on a cluster is written whole, as flytekit writes it).
   */
  readonly maxChars?: number;
}

const scopes = new AsyncLocalStorage<DeckScope>();
// Bounded, so a script calling a decked task in a loop does not keep every addition forever.
const detached = new DeckScope(1_000_000);

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
  const { maxChars } = options;
  if (maxChars !== undefined && !(Number.isInteger(maxChars) && maxChars > 0))
    throw new TflyteError('TFLYTE_INVALID_INPUT', `collectDecks: maxChars must be a positive integer, e.g. 1000000; got ${maxChars}`);
  const scope = new DeckScope(maxChars);
  options.onScope?.({ restart: () => scope.restart() });
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
