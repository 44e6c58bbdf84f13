import { describe, expect, it } from "vitest";
import { decodeSlackText } from "../../src/adapters/slack/decode-text.ts";
import { decodeTeamsText } from "../../src/adapters/teams/decode-text.ts";
import { escapeMrkdwn } from "../../src/adapters/slack/block-kit.ts";
import { isDisguisedLink } from "../../src/domain/links.ts";
import { renderCard } from "../../src/adapters/teams/adaptive-card.ts";
import { renderText } from "../../src/adapters/shell/render-text.ts";
import { reply, text } from "../../src/domain/reply.ts";

// Slack sends text as markup (api.slack.com/reference/surfaces/formatting): decoded once, here.
const SLACK: [raw: string, decoded: string, parts: unknown[]][] = [
  ["Q&amp;A held", "Q&A held", []],
  ["a &lt; b &amp;&amp; c &gt; d", "a < b && c > d", []],
  ["typed &amp;amp; literally", "typed &amp; literally", []],
  ["see <https://example.org/report|the report>", "see [the report](https://example.org/report)", [{ kind: "link", url: "https://example.org/report" }]],
  ["see <https://example.org/a?x=1&amp;y=2>", "see https://example.org/a?x=1&y=2", [{ kind: "link", url: "https://example.org/a?x=1&y=2" }]],
  ["mail <mailto:sam@leeds.gov.uk|sam@leeds.gov.uk>", "mail sam@leeds.gov.uk", [{ kind: "link", url: "mailto:sam@leeds.gov.uk" }]],
  ["ask <@U123|sue> today", "ask @sue today", [{ kind: "mention", text: "@sue", userId: "U123" }]],
  ["ask <@U123>", "ask @U123", [{ kind: "mention", userId: "U123" }]],
  ["in <#C42|neet-partners>", "in #neet-partners", [{ kind: "channel", text: "#neet-partners", channelId: "C42" }]],
  ["<!here> done", "@here done", [{ kind: "broadcast", text: "@here" }]],
  ["<!channel> <!everyone>", "@channel @everyone", [{ kind: "broadcast" }, { kind: "broadcast" }]],
  ["<!subteam^S1|@leads> please", "@leads please", [{ kind: "broadcast", text: "@leads" }]],
  ["by <!date^1392734382^{date}|19 Feb 2014>", "by 19 Feb 2014", [{ kind: "broadcast" }]],
  ["<javascript:alert(1)|click>", "<javascript:alert(1)|click>", []],
  // Each part says where it stands, so it can be replaced there and nowhere else.
  ["with <@U2> and <@U23>", "with @U2 and @U23", [{ kind: "mention", text: "@U2", userId: "U2", at: 5 }, { kind: "mention", text: "@U23", userId: "U23", at: 13 }]],
  ["&lt;<@U2|mary>&gt; and <@U77|mary.jones>", "<@mary> and @mary.jones", [{ kind: "mention", at: 1 }, { kind: "mention", at: 12 }]],
  ["<!subteam^S1|@mary> asked <#C1|mary> and <@U2|mary>", "@mary asked #mary and @mary", [{ kind: "broadcast", at: 0 }, { kind: "channel", at: 12 }, { kind: "mention", at: 22 }]],
  ["<https://a.example|a> <https://a.example|a>", "[a](https://a.example) [a](https://a.example)", [{ kind: "link", at: 0 }, { kind: "link", at: 23 }]],
];

/** Teams' quoted-reply block, as a 1:1 or channel message carries it. */
const QUOTE = (sender: string, preview: string) =>
  `<blockquote itemscope="" itemtype="http://schema.skype.com/Reply" itemid="1763459834291">` +
  `<strong itemprop="mri" itemid="8:orgid:6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d">${sender}</strong>` +
  `<span itemprop="time" itemid="1763459834291"></span><p itemprop="preview">${preview}</p></blockquote>`;

const TEAMS: [html: string, decoded: string, mentions: { text: string; aadObjectId?: string }[], parts: unknown[]][] = [
  ["<p>Q&amp;A held</p>", "Q&A held", [], []],
  ["a&nbsp;&lt;&nbsp;b", "a < b", [], []],
  ["&amp;lt; typed", "&lt; typed", [], []],
  ["it&#39;s &#x2013; done", "it's – done", [], []],
  ['see <a href="https://example.org/report">the report</a>', "see [the report](https://example.org/report)", [], [{ kind: "link", url: "https://example.org/report" }]],
  ['<a href="https://example.org/x">https://example.org/x</a>', "https://example.org/x", [], [{ kind: "link" }]],
  ['<a href="javascript:alert(1)">click</a>', "click", [], []],
  ["line one<br>line two<div>three</div>", "line one line two three", [], []],
  ["<at>Curve</at> milestone list", "milestone list", [], []],
  ["curve link <at>Sam Prince</at> Sam Prince", "curve link @Sam Prince Sam Prince", [{ text: "<at>Sam Prince</at>", aadObjectId: "aad-sam" }], [{ kind: "mention", text: "@Sam Prince", userId: "aad-sam" }]],
  ["ask <at>Sue</at>", "ask @Sue", [{ text: "<at>Sue</at>" }], [{ kind: "mention", userId: null }]],
  // A quoted reply (Teams' "Reply" on a message) carries the quoted sender, time and preview: none is the command.
  [QUOTE("Curve", "Mark ATT-7.2 done") + "<p>milestone done ATT-7.2 evaluation published</p>", "milestone done ATT-7.2 evaluation published", [], []],
  [QUOTE("Jancis Andrew", "milestone list mine") + "<p>action show ATT-7</p>", "action show ATT-7", [], []],
  ["<p>first</p>" + QUOTE("Sue May", "a <b>quoted</b> &amp; <blockquote>nested</blockquote> preview") + "<p>then &amp; after</p>", "first then & after", [], []],
  [`<blockquote itemtype='HTTP://schema.skype.com/Reply' data-x="a>b"><p>never closed`, "", [], []],
  // Teams sends each emoji as an image with the emoji as its alt text: the marks are the person's words.
  [
    '<p>cluster 1 <img itemscope="" itemtype="http://schema.skype.com/Emoji" itemid="2705_whiteheavycheckmark" src="https://statics.teams.cdn.office.net/evergreen-assets/personal-expressions/v2/assets/emoticons/2705_whiteheavycheckmark/default/20_f.png" title="White heavy check mark" alt="✅" style="width:20px;height:20px"> cluster 2 <img itemscope="" itemtype="http://schema.skype.com/Emoji" itemid="274c_crossmark" src="https://statics.teams.cdn.office.net/evergreen-assets/personal-expressions/v2/assets/emoticons/274c_crossmark/default/20_f.png" title="Cross mark" alt="❌"></p>',
    "cluster 1 ✅ cluster 2 ❌", [], [],
  ],
  ['<span contenteditable="false" title="Smile" type="(smile)" class="animated-emoticon-20-smile"><img itemscope itemtype=\'http://schema.skype.com/Emoji\' itemid="smile" alt=\'🙂\' src="x"></span> agreed', "🙂 agreed", [], []],
  // A pasted picture is not text.
  ['see <img src="https://graph.microsoft.com/v1.0/chats/x/messages/y/hostedContents/z/$value" alt="image"> attached', "see attached", [], []],
  // A quote the person wrote themselves is their words: kept.
  ["<blockquote><p>as minuted</p></blockquote><p>agreed</p>", "as minuted agreed", [], []],
];

describe("the Slack boundary decoder", () => {
  it.each(SLACK)("decodes %j", (raw, decoded, parts) => {
    const got = decodeSlackText(raw);
    expect(got.text).toBe(decoded);
    expect(got.parts).toMatchObject(parts);
    for (const part of got.parts) expect(got.text.slice(part.at, part.at + part.text.length)).toBe(part.text);
  });
});

describe("the Teams boundary decoder", () => {
  it.each(TEAMS)("decodes %j", (html, decoded, mentions, parts) => {
    const got = decodeTeamsText(html, mentions.map((m) => ({ text: m.text, aadObjectId: m.aadObjectId })));
    expect(got.text).toBe(decoded);
    expect(got.parts).toMatchObject(parts);
  });
});

describe("stored links render as links everywhere", () => {
  const stored = "Minutes: [the report](https://example.org/r?a=1&b=2) and https://example.org/x.";
  it("in Slack as <url|label>, with the rest escaped", () => {
    expect(escapeMrkdwn(`${stored} <!here> & co`)).toBe("Minutes: <https://example.org/r?a=1&amp;b=2|the report> and <https://example.org/x|https://example.org/x>. &lt;!here&gt; &amp; co");
  });
  it("in Teams as text runs that open the URL", () => {
    const card = JSON.stringify(renderCard(reply("info", "Evidence", [text(stored)])));
    expect(card).toContain('"text":"the report","color":"Accent","underline":true,"selectAction":{"type":"Action.OpenUrl","url":"https://example.org/r?a=1&b=2"}');
    expect(card).toContain('"url":"https://example.org/x"');
  });
  it("in the shell as label (url)", () => {
    expect(renderText(reply("info", "Evidence", [text(stored)]))).toContain("Minutes: the report (https://example.org/r?a=1&b=2) and https://example.org/x.");
  });
});

describe("a link whose words name another address is never shown as that address", () => {
  // As Slack's decoder stores "<http://evil.example/phish|https://leeds.gov.uk/report>", typed in a note.
  const disguised = [
    { typed: "<http://evil.example/phish|https://leeds.gov.uk/report>", label: "https://leeds.gov.uk/report", url: "http://evil.example/phish" },
    { typed: "<https://evil.example/x|www.leeds.gov.uk>", label: "www.leeds.gov.uk", url: "https://evil.example/x" },
    { typed: "<https://leeds.gov.uk.evil.example/|leeds.gov.uk>", label: "leeds.gov.uk", url: "https://leeds.gov.uk.evil.example/" },
    { typed: "<mailto:x@evil.example|sue@leeds.gov.uk>", label: "sue@leeds.gov.uk", url: "mailto:x@evil.example" },
    // Dots that pass for full stops, characters that show as nothing, an address by number, a site under another's name.
    { typed: "<https://evil.example/|leeds\u2024gov\u2024uk/report>", label: "leeds\u2024gov\u2024uk/report", url: "https://evil.example/" },
    { typed: "<https://evil.example/|leeds\uFF0Egov\uFF0Euk>", label: "leeds\uFF0Egov\uFF0Euk", url: "https://evil.example/" },
    { typed: "<https://evil.example/|https://10.1.2.3/report>", label: "https://10.1.2.3/report", url: "https://evil.example/" },
    { typed: "<https://evil.sharepoint.com/|leeds.sharepoint.com/minutes>", label: "leeds.sharepoint.com/minutes", url: "https://evil.sharepoint.com/" },
  ];
  it.each(disguised)("$typed: the words as text, the real address as the link, on Slack, Teams and the shell", ({ typed, label, url }) => {
    const stored = `Report at ${decodeSlackText(typed).text}`;
    expect(isDisguisedLink(label, url)).toBe(true);
    const shown = url.replace(/^mailto:/, "");
    expect(escapeMrkdwn(stored)).toBe(`Report at ${label} (<${url}|${shown}>)`);
    const card = JSON.parse(JSON.stringify(renderCard(reply("info", "Note", [text(stored)])))) as unknown;
    const opened: { text: string; url: string }[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        const o = node as { selectAction?: { url?: string }; text?: string };
        if (o.selectAction?.url && typeof o.text === "string") opened.push({ text: o.text, url: o.selectAction.url });
        Object.values(o).forEach(walk);
      }
    };
    walk(card);
    expect(opened).toEqual([{ text: shown, url }]);
    expect(renderText(reply("info", "Note", [text(stored)]))).toContain(`Report at ${label} (${shown})`);
  });

  it("keeps a label that names where the link goes, or names no address, as the link", () => {
    for (const [label, url] of [
      ["the minutes", "https://leeds.gov.uk/minutes"],
      ["leeds.gov.uk minutes", "https://www.leeds.gov.uk/minutes"],
      ["www.leeds.gov.uk", "https://leeds.gov.uk/"],
      ["leeds.gov.uk", "https://leeds.gov.uk./"],
      ["bücher.de", "https://xn--bcher-kva.de/"],
      ["sue@leeds.gov.uk", "mailto:sue@leeds.gov.uk"],
      ["e.g. version 1.2", "https://example.org/"],
      ["Ofsted report.pdf", "https://leeds.gov.uk/ofsted.pdf"],
      ["Action plan v2.xlsx", "https://leeds.gov.uk/plan.xlsx"],
    ]) {
      expect(isDisguisedLink(label!, url!), label).toBe(false);
      expect(escapeMrkdwn(`[${label}](${url})`), label).toBe(`<${url}|${label}>`);
    }
  });
});
