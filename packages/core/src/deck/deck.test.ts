import { describe, expect, it } from 'vitest';
import { InvalidOptionError, t, task, toTaskTemplate } from '../index.ts';
import { collectDecks, currentDeck, deckPage } from './index.ts';

const summarize = task({ inputs: { rows: t.list(t.int()) }, outputs: t.int(), enableDeck: true }, function summarize({ rows }) {
  currentDeck().markdown(`# Summary\n\n**${rows.length}** rows, <b>not bold</b>`);
  currentDeck('Rows').table(rows.map((value, i) => ({ i, value })));
  return rows.reduce((a, b) => a + b, 0);
});

describe('decks', () => {
  it('collects what a task body writes, per named deck, in order', async () => {
    const { result, decks } = await collectDecks(() => summarize({ rows: [1, 2, 3] }));
    expect(result).toEqual({ ok: true, value: 6 });
    expect(decks.map((d) => d.name)).toEqual(['default', 'Rows']);
    expect(decks[0]!.html).toContain('<h1>Summary</h1>');
    expect(decks[0]!.html).toContain('<strong>3</strong> rows, &lt;b&gt;not bold&lt;/b&gt;');
    expect(decks[1]!.html).toContain('<th>i</th><th>value</th>');
    expect(decks[1]!.html.match(/<tr>/g)).toHaveLength(4);
  });

  it('keeps the decks of a body that throws, and each scope apart from concurrent ones', async () => {
    const failing = collectDecks(async () => {
      currentDeck().markdown('before the error');
      await new Promise((r) => setTimeout(r, 1));
      throw new Error('boom');
    });
    const other = collectDecks(async () => currentDeck().markdown('other scope'));
    const [a, b] = await Promise.all([failing, other]);
    expect(a.result.ok).toBe(false);
    expect(a.decks.map((d) => d.html)).toEqual(['<p>before the error</p>']);
    expect(b.decks.map((d) => d.html)).toEqual(['<p>other scope</p>']);
  });

  it('lets the caller restart a scope, so a retried body starts its decks afresh', async () => {
    let restart: (() => void) | undefined;
    const { decks } = await collectDecks(
      () => {
        currentDeck().markdown('attempt 1');
        currentDeck('Extra').markdown('only in attempt 1');
        restart!();
        currentDeck().markdown('attempt 2');
      },
      { onScope: (scope) => (restart = scope.restart) },
    );
    expect(decks).toEqual([{ name: 'default', html: '<p>attempt 2</p>' }]);
  });

  it('leaves out everything from the first addition past a scope’s size limit, saying so in each deck that lost some, and starts the budget afresh on restart', async () => {
    let restart: (() => void) | undefined;
    const twenty = 'x'.repeat(20);
    const { decks } = await collectDecks(
      () => {
        currentDeck().html(twenty).html(twenty);
        currentDeck('Other').html(twenty).html('small');
        restart!();
        currentDeck().html(twenty).html(twenty).html(twenty).html('tiny');
      },
      { maxChars: 50, onScope: (scope) => (restart = scope.restart) },
    );
    expect(decks).toEqual([
      {
        name: 'default',
        html: `${twenty}\n${twenty}\n<p class="deck-dropped">… 2 more additions left out: the decks passed their limit of 50 characters</p>`,
      },
    ]);
    // The limit is the scope's: decks share it.
    const shared = await collectDecks(
      () => {
        currentDeck().html(twenty).html(twenty);
        currentDeck('Other').html(twenty).html(twenty);
      },
      { maxChars: 50 },
    );
    expect(shared.decks.map((d) => d.html.split('\n').length)).toEqual([2, 1]);
    expect(shared.decks[1]!.html).toContain('… 2 more additions left out');
    await expect(collectDecks(() => 1, { maxChars: 0 })).rejects.toThrow(/maxChars must be a positive integer/);
  });

  it('renders deck.html as one page with a tab per deck and no external resource', async () => {
    const { decks } = await collectDecks(() => summarize({ rows: [4] }));
    const page = deckPage(decks);
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<label for="deck-0">default</label>');
    expect(page).toContain('<label for="deck-1">Rows</label>');
    expect(page).not.toMatch(/\s(src|href)="https?:/);
  });

  it('neutralises script links in markdown', async () => {
    const { decks } = await collectDecks(() => currentDeck().markdown('[x](javascript:void) [ok](https://flyte.org)'));
    expect(decks[0]!.html).toBe('<p><a href="#">x</a> <a href="https://flyte.org">ok</a></p>');
  });

  it('marks the TaskTemplate of a task with enableDeck as generating a deck, as flytekit does', () => {
    expect(toTaskTemplate(summarize, { image: 'img' }).metadata?.generatesDeck).toBe(true);
    const plain = task({ inputs: {}, outputs: t.int() }, function plain() {
      return 1;
    });
    expect(toTaskTemplate(plain, { image: 'img' }).metadata?.generatesDeck).toBe(false);
  });

  it('refuses a non-boolean enableDeck, naming the option', () => {
    const define = () =>
      task({ inputs: {}, outputs: t.int(), enableDeck: 'yes' as never }, function decked() {
        return 1;
      });
    expect(define).toThrow(InvalidOptionError);
    expect(define).toThrow(/enableDeck/);
  });
});
