// The prologue scanner finds the one right place for the banner in any
// chunking of the document: after <body …>, or where the parser would open
// the body, and never inside comments, raw text, attributes or templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrologueScanner, type ScanOutcome } from '../../../src/banner/scanner.ts';

const B = '[BANNER]';
const T = '[T]';

function scanner(maxScan = 1 << 20): PrologueScanner {
  return new PrologueScanner({
    banner: () => Buffer.from(B),
    titlePrefix: Buffer.from(T),
    metaTag: (tag) => (tag.includes('http-equiv') ? Buffer.from('<meta rewritten>') : tag),
    maxScan,
    maxMetaTag: 64,
  });
}

/** Runs `doc` cut at `cuts` (byte offsets) through a scanner; returns output and outcome. */
function run(doc: string | Buffer, cuts: number[] = [], maxScan?: number): { out: string; outcome: ScanOutcome; held: number } {
  const bytes = Buffer.isBuffer(doc) ? doc : Buffer.from(doc);
  const s = scanner(maxScan);
  const parts: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parts.push(...s.write(bytes.subarray(from, cut)));
    from = cut;
  }
  parts.push(...s.end());
  return { out: Buffer.concat(parts).toString('latin1'), outcome: s.outcome, held: s.maxHeldBytes };
}

const count = (text: string, part: string): number => text.split(part).length - 1;

const DOC = '\uFEFF<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Page</title>'
  + '<!-- <body> in a comment --><script>if (a<b) document.write("<body>")</script>'
  + '<style>body>p{color:red}</style><noscript><body></noscript></head>\n'
  + '<BODY class="x" data-x=\'a>b\' title="q>r">\n<p>hi</p></BODY></html>';
const EXPECTED = DOC.replace('<title>', `<title>${T}`).replace('title="q>r">', `title="q>r">${B}`);

test('the banner lands right after <BODY …> at every split point of the document', () => {
  const bytes = Buffer.from(DOC);
  const expected = Buffer.from(EXPECTED).toString('latin1');
  for (let cut = 0; cut <= bytes.length; cut++) {
    const { out, outcome } = run(bytes, [cut]);
    assert.equal(out, expected, `split at byte ${cut}`);
    assert.equal(outcome, 'injected');
  }
});

test('one byte per chunk gives the same result and holds back at most one meta tag', () => {
  const bytes = Buffer.from(DOC);
  const { out, held } = run(bytes, Array.from({ length: bytes.length }, (_, i) => i));
  assert.equal(out, Buffer.from(EXPECTED).toString('latin1'));
  // The longest undecided token is <meta charset="utf-8"> (checked whole for a CSP).
  assert.ok(held <= '<meta charset="utf-8">'.length, `held ${held} bytes`);
  const noMeta = Buffer.from(DOC.replace('<meta charset="utf-8">', ''));
  assert.ok(run(noMeta, Array.from({ length: noMeta.length }, (_, i) => i)).held <= 10);
});

test('pairs of split points around the body tag and title all agree', () => {
  const bytes = Buffer.from(DOC);
  const expected = Buffer.from(EXPECTED).toString('latin1');
  const hot = [DOC.indexOf('<title>'), DOC.indexOf('<BODY')].map((p) => Buffer.byteLength(DOC.slice(0, p)));
  for (const base of hot) {
    for (let a = base - 2; a < base + 12; a++) {
      for (let b = a; b < base + 14; b++) assert.equal(run(bytes, [a, b]).out, expected, `cuts ${a},${b}`);
    }
  }
});

test('body tags in any case, with attributes holding quoted ">" or a slash', () => {
  for (const tag of ['<body>', '<BODY>', '<Body\tonload="if(a>b)x()">', "<body data-a='>' data-b=\">\">", '<body/>', '<body\nclass=x>', '<body a"b>']) {
    const doc = `<html><head></head>${tag}<p>x</p>`;
    assert.equal(run(doc).out, `<html><head></head>${tag}${B}<p>x</p>`, tag);
  }
});

test('a UTF-8 byte order mark stays first; the banner never goes before it', () => {
  const { out } = run('\uFEFFhello');
  assert.equal(out, Buffer.from(`\uFEFF${B}hello`).toString('latin1'));
});

test('UTF-16 (byte order mark) passes through untouched', () => {
  for (const bom of [[0xff, 0xfe], [0xfe, 0xff]]) {
    const doc = Buffer.concat([Buffer.from(bom), Buffer.from('<\0b\0o\0d\0y\0>\0', 'latin1')]);
    for (const cut of [0, 1, 2, 3]) {
      const { out, outcome } = run(doc, [cut]);
      assert.equal(out, doc.toString('latin1'));
      assert.equal(outcome, 'unsupported-charset');
    }
  }
});

test('without a body tag the banner goes where the body opens implicitly', () => {
  const cases: Array<[string, string]> = [
    ['<!doctype html><title>x</title><p>text', `<!doctype html><title>${T}x</title>${B}<p>text`],
    ['<html><head><link rel=x></head>\n  Hello', `<html><head><link rel=x></head>\n  ${B}Hello`],
    ['<head><meta charset=utf-8><div>a</div><body class=late>', `<head><meta charset=utf-8>${B}<div>a</div><body class=late>`],
    ['<html><head></head></html>', `<html><head></head>${B}</html>`],
    ['<head></head></body>', `<head></head>${B}</body>`],
    ['plain text page', `${B}plain text page`],
    ['<svg><title>in svg</title></svg>', `${B}<svg><title>in svg</title></svg>`],
    ['< body>', `${B}< body>`],
  ];
  for (const [doc, expected] of cases) assert.equal(run(doc).out, expected, doc);
});

test('a document that is only a prologue gets the banner at its end; an empty one gets nothing', () => {
  assert.deepEqual(run('<!doctype html><title>t</title>\n'), { out: `<!doctype html><title>${T}t</title>\n${B}`, outcome: 'injected-at-end', held: 0 });
  assert.equal(run('').out, '');
  assert.equal(run('  \n ').out, '  \n ');
  assert.equal(run('  \n ').outcome, 'empty');
});

test('<bodyx> and <body-foo> are not the body tag: the banner goes before them, once', () => {
  for (const name of ['bodyx', 'body-foo']) {
    const doc = `<head></head><${name}>a</${name}><body>b`;
    const { out } = run(doc);
    assert.equal(out, `<head></head>${B}<${name}>a</${name}><body>b`);
    assert.equal(count(out, B), 1);
  }
});

test('comments, doctype, processing instructions and abrupt comments are skipped', () => {
  assert.equal(run('<?xml version="1.0"?><!-- <body> --><!DOCTYPE html><body>').out, `<?xml version="1.0"?><!-- <body> --><!DOCTYPE html><body>${B}`);
  assert.equal(run('<!--><body>x').out, `<!--><body>${B}x`);
  assert.equal(run('<!---><body>x').out, `<!---><body>${B}x`);
  assert.equal(run('<!-- a -- b --!><body>x').out, `<!-- a -- b --!><body>${B}x`);
  assert.equal(run('<!-x><body>').out, `<!-x><body>${B}`);
});

test('raw text (script, style, noscript) and templates in the head hide their tags', () => {
  assert.equal(run('<script>"</scriptx><body>"</SCRIPT ><body>').out, `<script>"</scriptx><body>"</SCRIPT ><body>${B}`);
  assert.equal(run('<head><template><body><div>t</div></template></head><body>').out, `<head><template><body><div>t</div></template></head><body>${B}`);
  assert.equal(run('<template><template></template><p></template>x').out, `<template><template></template><p></template>${B}x`);
  assert.equal(run('<template><script></template></script></template><body>').out, `<template><script></template></script></template><body>${B}`);
});

test('the first title in the prologue gets the prefix, split anywhere', () => {
  const doc = '<html><head><TITLE lang=en>My page</TITLE><title>second</title></head><body>';
  const expected = `<html><head><TITLE lang=en>${T}My page</TITLE><title>second</title></head><body>${B}`;
  for (let cut = 0; cut <= doc.length; cut++) assert.equal(run(doc, [cut]).out, expected, `split at ${cut}`);
  assert.equal(run('<html><body><title>late</title>').out, `<html><body>${B}<title>late</title>`);
});

test('a CSP meta tag is handed over whole, wherever it is split', () => {
  const doc = '<head><meta http-equiv="Content-Security-Policy" content="x"><meta charset=utf-8></head><body>';
  const expected = `<head><meta rewritten><meta charset=utf-8></head><body>${B}`;
  for (let cut = 0; cut <= doc.length; cut++) assert.equal(run(doc, [cut]).out, expected, `split at ${cut}`);
});

test('a meta tag longer than the limit passes on unchecked', () => {
  const doc = `<head><meta http-equiv="Content-Security-Policy" content="${'x'.repeat(200)}"></head><body>`;
  assert.equal(run(doc, [30, 100]).out, `${doc}${B}`);
  assert.equal(run(doc).out, `${doc}${B}`);
});

test('a frameset document is passed through without a banner', () => {
  const doc = '<html><head></head><frameset cols="50%,50%"><frame src=a></frameset>';
  assert.deepEqual(run(doc), { out: doc, outcome: 'frameset', held: 0 });
});

test('past the scan limit the page passes through untouched', () => {
  const doc = `<head><!--${'-x'.repeat(100)}--></head><body>`;
  const { out, outcome } = run(doc, [50, 120, 180], 100);
  assert.equal(out, doc);
  assert.equal(outcome, 'scan-limit');
});

test('a stream that ends inside a tag or raw text gets no banner', () => {
  assert.equal(run('<head><scri').out, '<head><scri');
  assert.equal(run('<head><scri').outcome, 'not-found');
  assert.equal(run('<head><script>never closed').outcome, 'not-found');
  assert.equal(run('<head><link href="x>').out, '<head><link href="x>');
});

test('after the banner, bytes pass through untouched and unscanned', () => {
  const s = scanner();
  assert.equal(Buffer.concat(s.write(Buffer.from('<body>'))).toString(), `<body>${B}`);
  const tail = Buffer.from('<body><title>x</title>');
  const out = s.write(tail);
  assert.equal(out.length, 1);
  assert.equal(out[0], tail); // the very same buffer
  assert.deepEqual(s.end(), []);
});
