import type { AdapterEnvironment, ChatAdapter } from "../chat/chat-adapter.ts";

export interface SlackOptions {
  signingSecret: string;
  botToken: string;
  apiUrl: string | undefined;
  appToken: string | undefined;
}

export async function createSlackAdapter(_env: AdapterEnvironment, _options: SlackOptions): Promise<ChatAdapter> {
  throw new Error("The Slack adapter is not built yet");
}
