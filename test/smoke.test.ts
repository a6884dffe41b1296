import { strict as assert } from 'assert';
import { loadNative } from '../src/native';
import { main } from '../src/cli/main';

describe('[native] package smoke', () => {
  it('loads the compiled addon', () => {
    const native = loadNative<Record<string, unknown>>();
    assert.equal(typeof native, 'object');
  });
  it('refuses an unknown command with usage', async () => {
    const code = await main(['no-such-command']);
    assert.equal(code, 2);
  });
});
