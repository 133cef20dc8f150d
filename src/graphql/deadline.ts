// A server-side deadline per request: once it has passed, every field that has not started resolving
// (of a mutation: every root field not started) fails with DEADLINE_EXCEEDED instead of starting, so a request that got expensive (a slow database, a
// page of totals) stops spending and answers with what it had. A resolver already running is not
// interrupted (JavaScript cannot pre-empt it); the cost limits keep any one of them bounded.
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, OperationTypeNode } from 'graphql';

export function deadlinePlugin(ms: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const deadline = Date.now() + ms;
      let reported = false;
      return {
        async executionDidStart() {
          return {
            willResolveField({ info }) {
              if (Date.now() <= deadline) return;
              // A mutation that has run has written: its result fields are answered whatever the
              // time, or a client would retry work that was done. Only root fields not yet started stop.
              if (info.operation.operation === OperationTypeNode.MUTATION && info.path.prev !== undefined) return;
              // One error says why; the other fields it stops are null under it.
              const message = reported
                ? 'Not resolved: the request deadline had passed.'
                : `The request ran past its ${ms} ms deadline; the fields not yet resolved were skipped.`;
              reported = true;
              throw new GraphQLError(message, { extensions: { code: 'DEADLINE_EXCEEDED', deadlineMs: ms } });
            },
          };
        },
      };
    },
  };
}
