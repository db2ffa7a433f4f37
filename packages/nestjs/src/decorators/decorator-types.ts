/** A method these decorators accept: any method returning a Promise. */
export type AsyncMethod<A extends unknown[], R> = (...args: A) => Promise<R>;

/**
 * Shown by the compiler when a `key`, `condition`, `unless`, `keys`, `tags` or lock-resource function
 * expects parameters the decorated method does not take (more of them, or other types): at run time it
 * would get `undefined` or the wrong values. The function may take fewer parameters than the method.
 */
export interface KeyFunctionParametersDoNotFitTheMethod<FunctionParameters, MethodParameters> {
  readonly functionParameters: FunctionParameters;
  readonly methodParameters: MethodParameters;
}

/** `unknown` (no constraint) when a function of `A` can be called with the method's leading arguments. */
export type ParametersFit<P extends unknown[], A extends unknown[]> = P extends [...A, ...any[]]
  ? unknown
  : KeyFunctionParametersDoNotFitTheMethod<A, P>;

/**
 * Checks the decorated method against the options: it must return a Promise of R, and every function
 * of its arguments in the options (parameters A) must accept its leading arguments.
 */
export type AsyncMethodDecorator<A extends unknown[], R> = <M extends AsyncMethod<any[], R>>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M> & ParametersFit<Parameters<M>, A>,
) => void;
