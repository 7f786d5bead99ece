import {
  InvalidRequestError,
  validateRequest,
  type AppHandlers,
  type CommandName,
  type CommandRequest,
  type CommandResponse,
  type Reply,
} from '../contract/index.js';
import { describeError, errorKind } from './describeError.js';

/**
 * Runs one command for any transport: the contract's validator first (an unknown command or a
 * malformed request is an 'invalid-request' reply, and no handler runs), then the handler; any failure
 * is a reply with the sentence describeError makes of it and its kind.
 */
export async function dispatchCommand(
  handlers: AppHandlers,
  command: unknown,
  request: unknown,
): Promise<Reply<CommandResponse<CommandName>>> {
  try {
    const valid = validateRequest(command, request);
    if (!valid.ok) return valid;
    const handler = handlers[valid.command] as (request: CommandRequest<CommandName>) => Promise<unknown>;
    return { ok: true, result: (await handler(valid.request)) as CommandResponse<CommandName> };
  } catch (error) {
    const kind = error instanceof InvalidRequestError ? 'invalid-request' : errorKind(error);
    return { ok: false, error: { message: describeError(error), kind } };
  }
}
