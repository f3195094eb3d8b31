import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { sh, shellQuote } from '../../../src/util/shell.js';

const hostile = ['x; rm -rf /', '$(reboot)', '`id`', "it's", 'a\nb', '', '--help', '*', '~root', 'a b'];

describe('shell quoting', () => {
  it('leaves plain words alone', () => {
    assert.equal(shellQuote('mx1.example.com'), 'mx1.example.com');
    assert.equal(shellQuote(2525), '2525');
    assert.equal(shellQuote('2001:db8::25'), '2001:db8::25');
  });

  for (const value of hostile) {
    it(`makes ${JSON.stringify(value)} one inert word for a real shell`, () => {
      const line = sh`printf '%s\\0' ${value} ${[value, 'tail']}`;
      const printed = execFileSync('bash', ['-c', line], { encoding: 'utf8' });
      assert.deepEqual(printed.split('\0').slice(0, -1), [value, value, 'tail']);
    });
  }
});
