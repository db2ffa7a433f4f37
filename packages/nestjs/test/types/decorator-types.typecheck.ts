// Compile-time checks, run by `npm run typecheck`: each @ts-expect-error must stay an error.
import { CacheEvict, Cacheable, CachePut, WithLock } from '../../src/index.js';

export class TypedService {
  @Cacheable({ key: (id: number) => ['agent', id] })
  async ok(id: number): Promise<string> {
    return String(id);
  }

  // @ts-expect-error a method that does not return a Promise cannot be @Cacheable
  @Cacheable()
  sync(id: number): string {
    return String(id);
  }

  // @ts-expect-error the key function's parameters must match the method's
  @Cacheable({ key: (id: string) => ['agent', id] })
  async mismatched(id: number): Promise<string> {
    return String(id);
  }

  // @ts-expect-error `unless` sees the method's result type
  @Cacheable({ unless: (result: number) => result > 0 })
  async wrongResult(): Promise<string> {
    return '';
  }

  // @ts-expect-error @CachePut needs an async method too
  @CachePut({ key: 'x' })
  put(): number {
    return 1;
  }

  // @ts-expect-error @CacheEvict key functions are checked against the method
  @CacheEvict({ key: (id: number) => ['agent', id] })
  async evict(name: string): Promise<void> {
    void name;
  }

  // @ts-expect-error a key function taking more parameters than the method would get undefined
  @Cacheable({ key: (id: number, page: number) => ['agent', id, page] })
  async tooManyKeyParams(id: number): Promise<string> {
    return String(id);
  }

  // A key function may use fewer parameters than the method takes.
  @Cacheable({ key: (id: number) => ['agent', id] })
  async fewerKeyParams(id: number, verbose?: boolean): Promise<string> {
    return `${id}${verbose}`;
  }

  // condition and unless are checked against the method's parameters, each on its own.
  @Cacheable({ key: (id: number) => ['agent', id], condition: (id: number, force?: boolean) => !force && id > 0, unless: (r: string) => r === '' })
  async separatelyTyped(id: number, force?: boolean): Promise<string> {
    return `${id}${force}`;
  }

  // @ts-expect-error condition's parameters must match the method's, not the key function's
  @Cacheable({ key: (id: number) => ['agent', id], condition: (id: number, name: string) => name.length > id })
  async conditionTooMany(id: number): Promise<string> {
    return String(id);
  }

  // @ts-expect-error unless sees the method's arguments after the result
  @Cacheable({ unless: (_result: string, id: string) => id === '' })
  async unlessWrongArgs(id: number): Promise<string> {
    return String(id);
  }

  // @ts-expect-error @CacheEvict keys with more parameters than the method
  @CacheEvict({ keys: (a: number, b: number) => [['x', a, b]] })
  async evictTooMany(a: number): Promise<void> {
    void a;
  }

  // @ts-expect-error @WithLock's resource function with more parameters than the method
  @WithLock((a: string, b: string) => `${a}${b}`)
  async lockTooMany(a: string): Promise<void> {
    void a;
  }
}
