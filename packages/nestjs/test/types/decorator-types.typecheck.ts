// Compile-time checks, run by `npm run typecheck`: each @ts-expect-error must stay an error.
import { CacheEvict, Cacheable, CachePut } from '../../src/index.js';

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
}
