import type { App, BlockAction, ButtonAction, RespondFn } from "@slack/bolt";
import { commandForButton } from "../../commands/button-commands.ts";
import { isQuery } from "../../commands/command-table.ts";
import type { Reply } from "../../domain/reply.ts";
import type { AdapterEnvironment } from "../chat/chat-adapter.ts";
import { UNKNOWN_BUTTON, replyOf } from "../conversation.ts";
import { decodeOrigin, renderReply, type MessageOrigin } from "./block-kit.ts";
import { FORM_CALLBACK_ID, fieldBlockId, modalView, readMetadata, submittedText } from "./modal.ts";
import type { SlackWorkspace } from "./slack-workspace.ts";

/** The slash commands in manifests/slack.yaml; each is a family of the shared command table. */
export const SLASH_COMMANDS = ["/milestone", "/action", "/plan", "/indicator", "/oba", "/pledge", "/report", "/risk", "/curve"] as const;

const ephemeral = (r: Reply, origin?: MessageOrigin) => ({ response_type: "ephemeral" as const, ...renderReply(r, origin) });

export function registerSlackHandlers(app: App, env: AdapterEnvironment, workspace: SlackWorkspace): void {
  for (const name of SLASH_COMMANDS) {
    app.command(name, async ({ command, ack, client }) => {
      const queried = isQuery(name, command.text);
      const origin: MessageOrigin | undefined = queried ? { command: name.slice(1), text: command.text, page: 1 } : undefined;
      const request = { teamId: command.team_id, userId: command.user_id, channelId: command.channel_id, command: name.slice(1), text: command.text, key: command.trigger_id, markup: true };
      await workspace.handle(request, async (outcome) => {
        const answer = replyOf(outcome);
        if (outcome.kind === "answered" && answer.form) {
          await ack();
          const view = modalView(answer.form, { channel: command.channel_id, responseUrl: command.response_url, origin: null });
          await client.views.open({ trigger_id: command.trigger_id, view: view as never });
          return;
        }
        await ack(ephemeral(answer, origin));
      });
    });
  }

  // Every button: Curve's own action ids ("milestone.done", "action.show", "page.more", …).
  app.action<BlockAction<ButtonAction>>({ type: "block_actions" }, async ({ ack, body, action, respond, client }) => {
    await ack();
    const teamId = body.team?.id;
    const userId = body.user.id;
    const channelId = body.channel?.id ?? null;
    const carried = decodeOrigin(action.block_id?.startsWith("o:") ? action.block_id.split(":")[1] : undefined);
    // Only a query is ever run again; a forged block id naming a change is ignored.
    const origin = carried && isQuery(carried.command, carried.text) ? carried : null;
    const onHome = body.view?.type === "home";
    const tellPresser = (answer: Reply) => respond({ response_type: "ephemeral", replace_original: false, ...renderReply(answer) });
    if (action.action_id === "page.more") {
      const next = decodeOrigin(action.value);
      if (!next || !isQuery(next.command, next.text)) return;
      await workspace.handle({ teamId, userId, channelId, command: next.command, text: next.text, key: `${body.trigger_id}` }, async (outcome) => {
        if (outcome.kind === "answered") await respond({ replace_original: true, ...renderReply(outcome.reply, next) });
        else await tellPresser(replyOf(outcome));
      });
      return;
    }
    const line = commandForButton(action.action_id, action.value ?? "");
    if (!line) {
      // A button Curve never drew (a forged payload, or one from a message older than its buttons): said, and logged.
      env.log.info("slack button not known", { actionId: String(action.action_id).slice(0, 60) });
      await tellPresser(UNKNOWN_BUTTON);
      return;
    }
    const request = { teamId, userId, channelId, command: line.command, text: line.text, key: body.trigger_id };
    await workspace.handle(request, async (outcome) => {
      const answer = replyOf(outcome);
      if (outcome.kind === "answered" && answer.form) {
        const view = modalView(answer.form, { channel: channelId, responseUrl: onHome ? null : body.response_url, origin });
        await client.views.open({ trigger_id: body.trigger_id, view: view as never });
        return;
      }
      if (onHome) {
        if (outcome.kind === "answered") workspace.refreshHome(outcome.partnershipId, teamId!, userId);
        workspace.tellUser(userId, answer);
        return;
      }
      if (outcome.kind !== "answered") return void (await tellPresser(answer));
      await answerAndRefresh(workspace, respond, answer, origin, request);
    });
  });

  app.view(FORM_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const meta = readMetadata(view.private_metadata);
    if (!meta) {
      await ack({ response_action: "errors", errors: { [fieldBlockId("evidence")]: "This form has expired. Close it and start again." } });
      return;
    }
    const submitted = submittedText(meta, view.state.values as never);
    if (!submitted.ok) return void (await ack({ response_action: "errors", errors: { [fieldBlockId(submitted.error.field)]: submitted.error.message } }));
    const request = { teamId: body.team?.id, userId: body.user.id, channelId: meta.channel, command: meta.command, text: submitted.value, key: `view:${view.id}` };
    await workspace.handle(request, async (outcome) => {
      const answer = replyOf(outcome);
      if (answer.tone === "error" && meta.fieldIds[0]) {
        // Shown under the field, in the modal, which stays open for a correction.
        await ack({ response_action: "errors", errors: { [fieldBlockId(meta.fieldIds[0])]: answer.heading ?? "That didn't work." } });
        return;
      }
      await ack();
      if (meta.responseUrl) {
        const respond = (message: object) => fetch(meta.responseUrl!, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(message) });
        await respond({ response_type: "ephemeral", replace_original: false, ...renderReply(answer) });
        if (meta.origin && outcome.kind === "answered" && isQuery(meta.origin.command, meta.origin.text)) {
          const fresh = await workspace.query({ ...request, command: meta.origin.command, text: meta.origin.text, key: `view:${view.id}:refresh` });
          await respond({ replace_original: true, ...renderReply(fresh, meta.origin) });
        }
      } else if (meta.channel) {
        await client.chat.postEphemeral({ channel: meta.channel, user: body.user.id, ...(renderReply(answer) as { text: string; blocks: never[] }) });
      } else {
        workspace.tellUser(body.user.id, answer);
      }
    });
  });

  app.event("app_home_opened", async ({ event, body }) => {
    if (event.tab !== "home") return;
    const teamId = (body as { team_id?: string }).team_id;
    const partnershipId = await workspace.partnershipFor(teamId);
    if (partnershipId === null) return;
    // Slack resends events it thinks were lost; one refresh per event is enough.
    const eventId = (body as { event_id?: string }).event_id;
    if (eventId && !(await env.deps.store.firstSighting(partnershipId, `slack:${teamId}:${eventId}`))) return;
    await workspace.homeOpened(partnershipId, teamId!, event.user);
  });
}

/**
 * A button's answer goes to the person who pressed it; the message it was on is then
 * redrawn from today's data, so an old message never shows a stale state.
 */
async function answerAndRefresh(
  workspace: SlackWorkspace,
  respond: RespondFn,
  answer: Reply,
  origin: MessageOrigin | null,
  request: { teamId: string | undefined; userId: string; channelId: string | null; key: string },
): Promise<void> {
  if (!origin) {
    // Done: the message with the button becomes the answer. A refusal or "nothing changed" leaves
    // the message, and its buttons, where they were, and goes to the presser beside it.
    await respond({ response_type: "ephemeral", replace_original: answer.tone === "success", ...renderReply(answer) });
    return;
  }
  const fresh = await workspace.query({ ...request, command: origin.command, text: origin.text, key: `${request.key}:refresh` });
  await respond({ replace_original: true, ...renderReply(fresh, origin) });
  await respond({ response_type: "ephemeral", replace_original: false, ...renderReply(answer) });
}
