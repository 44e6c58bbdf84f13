import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { commandForButton } from "../../commands/button-commands.ts";
import { isQuery } from "../../commands/command-table.ts";
import type { WebClient } from "@slack/web-api";
import { warn } from "../../commands/context.ts";
import type { FormRequest, Reply } from "../../domain/reply.ts";
import type { AdapterEnvironment } from "../chat/chat-adapter.ts";
import { UNKNOWN_BUTTON, replyOf } from "../conversation.ts";
import { decodeOrigin, renderReply, type MessageOrigin } from "./block-kit.ts";
import { FORM_CALLBACK_ID, fieldBlockId, formNotOpened, modalView, readMetadata, submittedText } from "./modal.ts";
import type { AnswerTarget, ResponseMessage } from "./private-answer.ts";
import type { SlackWorkspace } from "./slack-workspace.ts";

const ephemeral = (r: Reply, origin?: MessageOrigin) => ({ response_type: "ephemeral" as const, ...renderReply(r, origin) });

/**
 * Every slash command Slack sends goes to the command table under its own name. The app
 * manifest (manifests/slack.yaml, printed by `curve manifest slack`) is the one list of
 * Slack's slash commands, so Curve keeps no list of its own to fall out of step with it: a
 * command the manifest names is answered, as a family or as "there is no such command".
 */
const ANY_SLASH_COMMAND = /^\//;

export function registerSlackHandlers(app: App, env: AdapterEnvironment, workspace: SlackWorkspace): void {
  app.command(ANY_SLASH_COMMAND, async ({ command, ack, client }) => {
    const name = command.command.slice(1).toLowerCase();
    const queried = isQuery(name, command.text);
    const origin: MessageOrigin | undefined = queried ? { command: name, text: command.text, page: 1 } : undefined;
    const request = { teamId: command.team_id, userId: command.user_id, channelId: command.channel_id, command: name, text: command.text, key: command.trigger_id, markup: true };
    const to = { responseUrl: command.response_url, channelId: command.channel_id, userId: command.user_id };
    // While Slack waits, the answer is the ack. Slack takes one ack, so an answer after it (a form
    // that would not open, a second try after a failure) goes through the response_url. So does
    // one that comes after Slack's 3 seconds: the request was answered without it (Bolt's
    // unhandled-request handler), and the change it made must still reach the person.
    let acked = false;
    const ackOnce = async (message?: ResponseMessage): Promise<boolean> => {
      if (acked) return false;
      acked = true;
      return ackInTime(env, () => ack(message as never), name);
    };
    await workspace.handle(request, async (outcome) => {
      const answer = replyOf(outcome);
      if (outcome.kind === "answered" && answer.form) {
        await ackOnce();
        const view = modalView(answer.form, { channel: command.channel_id, responseUrl: command.response_url, origin: null });
        await openForm(env, client, workspace, command.trigger_id, answer.form, view, to);
        return;
      }
      if (!(await ackOnce(ephemeral(answer, origin)))) await workspace.answerPrivately(to, ephemeral(answer, origin));
    });
  });

  // Every button: Curve's own action ids ("milestone.done", "action.show", "page.more", …).
  app.action<BlockAction<ButtonAction>>({ type: "block_actions" }, async ({ ack, body, action, client }) => {
    await ack();
    const teamId = body.team?.id;
    const userId = body.user.id;
    const channelId = body.channel?.id ?? null;
    const carried = decodeOrigin(action.block_id?.startsWith("o:") ? action.block_id.split(":")[1] : undefined);
    // Only a query is ever run again; a forged block id naming a change is ignored.
    const origin = carried && isQuery(carried.command, carried.text) ? carried : null;
    const onHome = body.view?.type === "home";
    // Through the press's response_url, or, once Slack no longer takes it, in the channel or a direct message.
    const respond: Respond = (message, options) => workspace.answerPrivately({ responseUrl: body.response_url, channelId, userId }, message, options);
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
        await openForm(env, client, workspace, body.trigger_id, answer.form, view, { responseUrl: onHome ? null : body.response_url, channelId, userId });
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

  app.view(FORM_CALLBACK_ID, async ({ ack, body, view }) => {
    const meta = readMetadata(view.private_metadata);
    if (!meta) {
      await ack({ response_action: "errors", errors: { [fieldBlockId("evidence")]: "This form has expired. Close it and start again." } });
      return;
    }
    const submitted = submittedText(meta, view.state.values as never);
    if (!submitted.ok) return void (await ack({ response_action: "errors", errors: { [fieldBlockId(submitted.error.field)]: submitted.error.message } }));
    const request = { teamId: body.team?.id, userId: body.user.id, channelId: meta.channel, command: meta.command, text: submitted.value, key: `view:${view.id}` };
    // Slack takes one ack: a second try after a failure goes to the person like any other answer.
    let acked = false;
    await workspace.handle(request, async (outcome) => {
      const answer = replyOf(outcome);
      const firstAck = !acked;
      acked = true;
      if (firstAck && answer.tone === "error" && meta.fieldIds[0]) {
        // Shown under the field, in the modal, which stays open for a correction; after Slack's
        // 3 seconds the modal has stopped waiting, and the answer goes to the person below.
        const fieldId = meta.fieldIds[0];
        if (await ackInTime(env, () => ack({ response_action: "errors", errors: { [fieldBlockId(fieldId)]: answer.heading ?? "That didn't work." } }), meta.command)) return;
      } else if (firstAck) await ackInTime(env, () => ack(), meta.command);
      // The form's answer (a confirmation, a personal-data hold) is the only trace of it the person gets, so it must arrive:
      // through the response_url of the command or button that opened the form, else in its channel, else a direct message.
      const to = { responseUrl: meta.responseUrl, channelId: meta.channel, userId: body.user.id };
      await workspace.answerPrivately(to, { response_type: "ephemeral", replace_original: false, ...renderReply(answer) });
      if (meta.responseUrl && meta.origin && outcome.kind === "answered" && isQuery(meta.origin.command, meta.origin.text)) {
        const fresh = await workspace.query({ ...request, command: meta.origin.command, text: meta.origin.text, key: `view:${view.id}:refresh` });
        await workspace.answerPrivately(to, { replace_original: true, ...renderReply(fresh, meta.origin) }, { redraw: true });
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
 * Opens a form. When Slack will not (an expired trigger id: Curve took more than 3 s), the
 * person is told what to type instead, and the refusal is logged.
 */
async function openForm(env: AdapterEnvironment, client: WebClient, workspace: SlackWorkspace, triggerId: string, form: FormRequest, view: ReturnType<typeof modalView>, to: AnswerTarget): Promise<void> {
  try {
    await client.views.open({ trigger_id: triggerId, view: view as never });
  } catch (error) {
    warn(env.log, "slack form could not be opened", { form: form.id, error: (error as { data?: { error?: string } })?.data?.error ?? (error instanceof Error ? error.message : String(error)) });
    await workspace.answerPrivately(to, ephemeral(formNotOpened(form)));
  }
}

type Respond = (message: ResponseMessage, options?: { redraw?: boolean }) => Promise<void>;

/**
 * A button's answer goes to the person who pressed it; the message it was on is then
 * redrawn from today's data, so an old message never shows a stale state.
 */
async function answerAndRefresh(
  workspace: SlackWorkspace,
  respond: Respond,
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
  await respond({ replace_original: true, ...renderReply(fresh, origin) }, { redraw: true });
  await respond({ response_type: "ephemeral", replace_original: false, ...renderReply(answer) });
}

/**
 * Acks a Slack request, true when the ack went. False when Slack's 3 seconds had passed and
 * the request was closed without it (the adapter's unhandled-request handler): the caller then
 * sends the answer another way (the response_url, the channel, a direct message), since the
 * change it reports was made. Logged at warn with the command's name.
 */
async function ackInTime(env: AdapterEnvironment, send: () => Promise<void>, command: string): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    warn(env.log, "slack answer came after the request was closed; sent another way", { command, error: error instanceof Error ? error.message : String(error) });
    return false;
  }
}
