import {
  NEST_REDIRECT,
  NEST_RENDER,
  NEST_RESPONSE_PARAM,
  NEST_RESPONSE_PASSTHROUGH,
  NEST_ROUTE_ARGS,
  NEST_SSE,
} from './http-cache.constants.js';
import { StreamableFile } from '@nestjs/common';

/**
 * Why a route's responses can never be cached, or undefined: the handler writes the response
 * itself (`@Res()` without passthrough), streams it (SSE, StreamableFile), renders or redirects.
 */
export function uncacheableReason(controller: Function, handler: Function): string | undefined {
  const name = handler.name;
  const args = (Reflect.getMetadata(NEST_ROUTE_ARGS, controller, name) as Record<string, unknown> | undefined) ?? {};
  const usesResponse = Object.keys(args).some((key) => Number(key.split(':')[0]) === NEST_RESPONSE_PARAM);
  if (usesResponse && Reflect.getMetadata(NEST_RESPONSE_PASSTHROUGH, controller, name) !== true) {
    return 'it writes the response through @Res() (use @Res({ passthrough: true }) and return the body)';
  }
  if (Reflect.getMetadata(NEST_SSE, handler)) return 'it is a server-sent events stream';
  if (Reflect.getMetadata(NEST_RENDER, handler) !== undefined) return 'it renders a template';
  if (Reflect.getMetadata(NEST_REDIRECT, handler) !== undefined) return 'it redirects';
  if (Reflect.getMetadata('design:returntype', controller.prototype, name) === StreamableFile) return 'it returns a StreamableFile';
  return undefined;
}
