import type { AdapterEnvironment, ChatAdapter } from "../chat/chat-adapter.ts";

export interface TeamsOptions {
  appId: string | undefined;
  appPassword: string | undefined;
  appTenantId: string | undefined;
  allowedTenants: string[];
  allowUnauthenticated: boolean;
}

export async function createTeamsAdapter(_env: AdapterEnvironment, _options: TeamsOptions): Promise<ChatAdapter> {
  throw new Error("The Teams adapter is not built yet");
}
