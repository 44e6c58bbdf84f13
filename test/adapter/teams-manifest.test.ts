import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { crc32, inflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { MANIFEST_DIR, teamsManifestCommand } from "../../src/adapters/teams/app-package.ts";
import { COMMAND_TABLE, findFamily } from "../../src/commands/command-table.ts";

const APP_ID = "0b3c6c8f-6e2a-4d4f-9a59-3c1a2b7e9d10";
const dir = mkdtempSync(path.join(tmpdir(), "curve-teams-package-"));

/** Reads a zip by its central directory, as Teams does, checking every CRC. */
function unzip(file: Buffer): Map<string, Buffer> {
  const end = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = file.readUInt16LE(end + 10);
  let at = file.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(file.readUInt32LE(at)).toBe(0x02014b50);
    const [method, crc, packed, size, nameLength, extra, comment, local] = [
      file.readUInt16LE(at + 10), file.readUInt32LE(at + 16), file.readUInt32LE(at + 20), file.readUInt32LE(at + 24),
      file.readUInt16LE(at + 28), file.readUInt16LE(at + 30), file.readUInt16LE(at + 32), file.readUInt32LE(at + 42),
    ] as const;
    const name = file.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    expect(file.readUInt32LE(local)).toBe(0x04034b50);
    const dataAt = local + 30 + file.readUInt16LE(local + 26) + file.readUInt16LE(local + 28);
    expect(method).toBe(8);
    const data = inflateRawSync(file.subarray(dataAt, dataAt + packed));
    expect(data.length).toBe(size);
    expect(crc32(data)).toBe(crc);
    files.set(name, data);
    at += 46 + nameLength + extra + comment;
  }
  return files;
}

const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

function capture() {
  let text = "";
  return { stream: { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream, text: () => text };
}

describe("the Teams app package", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists, as suggestions for personal and team scopes, only commands Curve has", () => {
    const manifest = JSON.parse(readFileSync(path.join(MANIFEST_DIR, "manifest.json"), "utf8"));
    const lists = manifest.bots[0].commandLists as { scopes: string[]; commands: { title: string; description: string }[] }[];
    expect(lists.flatMap((l) => l.scopes).sort()).toEqual(["groupChat", "personal", "team"]);
    for (const list of lists) {
      expect(list.commands.length).toBeLessThanOrEqual(10);
      for (const command of list.commands) {
        expect(command.title.length).toBeLessThanOrEqual(32);
        expect(command.description.length).toBeLessThanOrEqual(128);
        const [family, subcommand] = command.title.split(" ");
        const found = findFamily(family!);
        expect(found, command.title).toBeDefined();
        if (subcommand) expect(found!.subcommands.map((s) => s.name), command.title).toContain(subcommand);
      }
    }
    expect(COMMAND_TABLE.every((f) => lists.some((l) => l.commands.some((c) => c.title.split(" ")[0] === f.name)) || ["curve"].includes(f.name))).toBe(true);
    expect(pngSize(readFileSync(path.join(MANIFEST_DIR, "color.png")))).toEqual({ width: 192, height: 192 });
    expect(pngSize(readFileSync(path.join(MANIFEST_DIR, "outline.png")))).toEqual({ width: 32, height: 32 });
  });

  it("is built by curve manifest teams --app-id --url --zip, with the id and address filled in", async () => {
    const out = capture();
    const file = path.join(dir, "out.zip");
    expect(await teamsManifestCommand(["--app-id", APP_ID, "--url", "https://example.org", "--zip", file], out.stream, capture().stream)).toBe(0);
    expect(out.text()).toContain("https://example.org/api/messages");
    const files = unzip(readFileSync(file));
    expect([...files.keys()]).toEqual(["manifest.json", "color.png", "outline.png"]);
    const manifest = JSON.parse(files.get("manifest.json")!.toString("utf8"));
    expect(manifest).toMatchObject({ manifestVersion: "1.17", id: APP_ID, validDomains: ["example.org"], developer: { websiteUrl: "https://example.org" } });
    expect(manifest.bots[0].botId).toBe(APP_ID);
    expect(JSON.stringify(manifest)).not.toContain("{{");
    expect(files.get("color.png")).toEqual(readFileSync(path.join(MANIFEST_DIR, "color.png")));
    // An independent reader agrees.
    expect(execFileSync("unzip", ["-t", file]).toString()).toContain("No errors detected");
  });

  it("refuses what Teams would refuse, in one sentence with the usage", async () => {
    for (const args of [[], ["--app-id", "curve", "--url", "https://example.org"], ["--app-id", APP_ID, "--url", "http://example.org"], ["--app-id", APP_ID, "--url", "nowhere"], ["--frobnicate"]]) {
      const err = capture();
      expect(await teamsManifestCommand(args, capture().stream, err.stream), args.join(" ")).toBe(2);
      expect(err.text()).toContain("Usage: curve manifest teams");
      expect(err.text()).not.toMatch(/\n\s+at /);
    }
    const err = capture();
    expect(await teamsManifestCommand(["--app-id", APP_ID, "--url", "https://example.org", "--zip", path.join(dir, "missing", "out.zip")], capture().stream, err.stream)).toBe(1);
    expect(err.text()).toMatch(/^curve could not write .*out\.zip: /);
  });
});
