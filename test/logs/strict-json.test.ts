import { parseStrictJson } from '../support/strict-json';

describe('the strict JSON parser the log checks use', () => {
  it('accepts what JSON.parse accepts when no object repeats a key', () => {
    for (const text of ['{}', '[]', '{"a":1,"b":{"a":[1,2,{"a":null}]},"c":"x\\"y\\u00e9","d":-1.5e3,"e":true}', ' {"a" : [ ] } ', '"s"', '0']) {
      expect(parseStrictJson(text)).toEqual(JSON.parse(text));
    }
  });

  it('rejects a repeated key at any depth, naming it, which JSON.parse lets through', () => {
    const line = '{"level":"info","component":"owner","component":"os","msg":"VIP added"}';
    expect(JSON.parse(line)).toMatchObject({ component: 'os' });
    expect(() => parseStrictJson(line)).toThrow(/duplicate key "component"/);
    expect(() => parseStrictJson('{"err":{"details":{"a":1,"a":2}}}')).toThrow(/duplicate key "err.details.a"/);
    expect(() => parseStrictJson('[{"a":1},{"a":1,"a":1}]')).toThrow(/duplicate key "1.a"/);
  });

  it('rejects what is not JSON', () => {
    for (const text of ['{', '{"a":1,}', '{"a":1} x', "{'a':1}", '{"a":01}', '{"a":"\u0001"}', '']) {
      expect(() => parseStrictJson(text)).toThrow();
    }
  });
});
