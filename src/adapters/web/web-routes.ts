import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { Eta } from "eta";
import type { CommandDeps, Logger } from "../../commands/context.ts";
import { localDate } from "../../domain/dates/calendar.ts";
import { NOTHING_PUBLIC, type Publication } from "../../domain/web/publishing.ts";
import type { Database } from "../db/open-database.ts";
import { findPublication } from "../db/publication.ts";
import { indicatorLastChanged, latest, partnershipLastChanged, planActionsPage, planKeyAnyCase, pledgeList, publicRegister, scorecardPlans, scorecardPriorities } from "../db/scorecards.ts";
import { projectPath } from "../project-files.ts";
import { checkBoardToken, tokenPartnership } from "./page-links.ts";
import { readBoardPackKey } from "../../commands/report.ts";
import { CurveError } from "../../domain/errors.ts";
import { replyFileBytes } from "../files/board-pack-file.ts";
import { PAGE_ZONE, indicatorModel, planModel, pledgeModel, scorecardModel, updatedAt } from "./page-models.ts";
import { chartSvg } from "./chart-cache.ts";
import { logPath } from "../http/log-path.ts";
import { isDatabaseUnreachable } from "../../commands/error-reply.ts";

const VIEWS = projectPath("src", "adapters", "web", "views");
export const ACTIONS_PER_PAGE = 50;
export const SIGNERS_PER_PAGE = 100;
const MAX_PAGE = 100_000;
const MAX_CODE = 40;
// Far longer than any plan key, indicator code, pledge id, file name or board token.
const MAX_SEGMENT = 200;

/**
 * Whether a decoded address segment is fit to look up: at most 200 characters, with no
 * control character (PostgreSQL refuses NUL in text: `/plans/%00` would be a 500) and no
 * lone surrogate half. Anything else is an address with no page.
 */
export function isLookupText(value: unknown): boolean {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_SEGMENT && !/[\p{Cc}\p{Cs}]/u.test(value);
}

/** The token segment of `/board/<token>/…`, as sent (a real token has nothing to decode). */
const boardSegment = (path: string): string => /^\/board\/([^/]*)/i.exec(path)?.[1] ?? "";

/** Who is looking: the public (published sections only) or a signed board link (everything). */
interface Viewer {
  partnershipId: number;
  partnership: string;
  show: Publication;
  /** Links inside the pages start here: "/" or "/board/<token>/". */
  root: string;
  /** When a board link stops working, as words; null for the public. */
  signed: string | null;
}

class NotFound extends Error {}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/**
 * The partnership's web pages on curve serve: `/` (the scorecard), `/plans/<plan>`,
 * `/indicators/<code>` (with `/chart.svg`) and `/pledges/<id>`, for the public when the
 * partnership has published that section, and the same pages under `/board/<token>/` for a
 * signed, expiring board link. Anything not public, unknown or malformed is the same 404,
 * so a page's absence says nothing about what exists. Rendered on the server with Eta
 * (autoescaping every value); no JavaScript.
 */
export function webRoutes(db: Database, deps: CommandDeps, options: { log: Logger; clock: () => Date }): Router {
  const eta = new Eta({ views: VIEWS, autoEscape: true, cache: true, autoTrim: false });
  const css = readFileSync(`${VIEWS}/web.css`, "utf8");
  const router = express.Router({ caseSensitive: false, strict: false });
  const insights = deps.insights?.store;

  router.get("/web.css", (_req, res) => {
    res.set({ "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=300", "x-content-type-options": "nosniff" }).send(css);
  });

  /** The lone partnership this server publishes; with none, or several, there is no public site. */
  async function publicViewer(): Promise<Viewer> {
    const partnerships = await db.kysely.selectFrom("partnership").select(["id", "name"]).orderBy("id").limit(2).execute();
    if (partnerships.length !== 1) throw new NotFound();
    const [p] = partnerships as [{ id: number; name: string }];
    const found = await findPublication(db.kysely, p.id);
    const show = found?.publication ?? NOTHING_PUBLIC;
    if (!Object.values(show).some(Boolean)) throw new NotFound();
    return { partnershipId: p.id, partnership: p.name, show, root: "/", signed: null };
  }

  async function boardViewer(token: string): Promise<Viewer> {
    const partnershipId = tokenPartnership(token);
    if (partnershipId === null) throw new NotFound();
    const found = await findPublication(db.kysely, partnershipId);
    if (!found || !checkBoardToken(found.linkKey, token, options.clock())) throw new NotFound();
    const partnership = await db.kysely.selectFrom("partnership").select("name").where("id", "=", partnershipId).executeTakeFirst();
    if (!partnership) throw new NotFound();
    const expires = new Date(Number(token.split(".")[1]) * 1000);
    return {
      partnershipId,
      partnership: partnership.name,
      show: { indicators: true, plans: true, pledges: true },
      root: `/board/${token}/`,
      signed: `${updatedAt(expires)!.text} (UK time)`,
    };
  }

  function page(res: Response, viewer: Viewer, template: string, data: Record<string, unknown> & { title: string; crumbs?: { href: string; label: string }[]; updated: Date | null }) {
    const now = options.clock();
    const html = eta.render(`./${template}`, {
      ...data,
      partnership: viewer.partnership,
      root: viewer.root,
      signed: viewer.signed,
      crumbs: data.crumbs ?? [],
      updated: updatedAt(data.updated),
      shown: updatedAt(now),
    });
    res
      .status(200)
      .set({
        ...SECURITY_HEADERS,
        "content-type": "text/html; charset=utf-8",
        // Current on every load; a board link's pages are never kept by a shared cache.
        "cache-control": viewer.signed ? "private, no-store" : "no-cache",
        ...(viewer.signed ? { "x-robots-tag": "noindex, nofollow" } : {}),
      })
      .send(html);
  }

  const today = () => localDate(options.clock(), PAGE_ZONE);

  /** ?page=N, 1 to 100,000; anything else is not a page. */
  function pageNumber(req: Request): number {
    const raw = req.query.page;
    if (raw === undefined) return 1;
    if (typeof raw !== "string" || !/^[1-9]\d{0,5}$/.test(raw) || Number(raw) > MAX_PAGE) throw new NotFound();
    return Number(raw);
  }

  /** The address's query string, "?page=2" or "", to carry over a redirect. */
  const queryOf = (req: Request): string => (req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?")) : "");

  const pages = {
    async scorecard(req: Request, res: Response, viewer: Viewer) {
      const { partnershipId, show } = viewer;
      const [plans, priorities, indicators, pledges, changed] = await Promise.all([
        show.plans ? scorecardPlans(db.kysely, partnershipId) : [],
        show.plans ? scorecardPriorities(db.kysely, partnershipId) : [],
        show.indicators && insights ? insights.listIndicators(partnershipId) : [],
        show.pledges ? pledgeList(db.kysely, partnershipId) : [],
        partnershipLastChanged(db.kysely, partnershipId),
      ]);
      const model = scorecardModel({ plans, priorities, indicators, pledges }, show, today(), viewer.root);
      page(res, viewer, "scorecard", { title: "Scorecard", heading: `${viewer.partnership}: scorecard`, model, updated: changed });
      void req;
    },

    async plan(req: Request, res: Response, viewer: Viewer) {
      if (!viewer.show.plans) throw new NotFound();
      const n = pageNumber(req);
      const typed = String(req.params.plan);
      const data = await planActionsPage(db.kysely, viewer.partnershipId, typed, n, ACTIONS_PER_PAGE);
      if (!data) {
        // A key typed in another case is the plan's page, at its one address.
        const key = await planKeyAnyCase(db.kysely, viewer.partnershipId, typed);
        if (key === null || key === typed) throw new NotFound();
        return void res.redirect(301, `${viewer.root}plans/${encodeURIComponent(key)}${queryOf(req)}`);
      }
      if (n > 1 && data.actions.length === 0) throw new NotFound();
      const [priorities, changed] = await Promise.all([scorecardPriorities(db.kysely, viewer.partnershipId, data.plan.key), partnershipLastChanged(db.kysely, viewer.partnershipId)]);
      const model = planModel(data, priorities, n, ACTIONS_PER_PAGE, today(), viewer.root);
      page(res, viewer, "plan", { title: data.plan.title, crumbs: [{ href: viewer.root, label: "Scorecard" }], model, updated: changed });
    },

    async indicator(req: Request, res: Response, viewer: Viewer) {
      if (!viewer.show.indicators || !insights) throw new NotFound();
      const code = String(req.params.code);
      const indicator = code.length <= MAX_CODE ? await insights.findIndicator(viewer.partnershipId, code) : null;
      if (!indicator) throw new NotFound();
      // "/indicators/lac" is LAC's page, at its one address.
      if (indicator.code !== code) return void res.redirect(301, `${viewer.root}indicators/${encodeURIComponent(indicator.code)}${queryOf(req)}`);
      const model = indicatorModel(indicator, today(), viewer.root);
      const changed = await indicatorLastChanged(db.kysely, indicator.id);
      page(res, viewer, "indicator", { title: `${indicator.code} · ${indicator.name}`, crumbs: [{ href: viewer.root, label: "Scorecard" }], model, updated: changed });
    },

    async chart(req: Request, res: Response, viewer: Viewer) {
      if (!viewer.show.indicators || !insights) throw new NotFound();
      const code = String(req.params.code);
      const indicator = code.length <= MAX_CODE ? await insights.findIndicator(viewer.partnershipId, code) : null;
      if (!indicator) throw new NotFound();
      const { chart } = indicatorModel(indicator, today(), viewer.root);
      if (chart.history.length + chart.actuals.length < 2) throw new NotFound();
      res
        .set({
          "content-type": "image/svg+xml; charset=utf-8",
          "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
          "x-content-type-options": "nosniff",
          "cache-control": viewer.signed ? "private, no-store" : "no-cache",
        })
        .send(await chartSvg(chart));
    },

    async pledge(req: Request, res: Response, viewer: Viewer) {
      if (!viewer.show.pledges || !insights) throw new NotFound();
      const id = String(req.params.id);
      // Chat calls a pledge "P3": /pledges/P3 is its page, at its one address.
      if (/^p\d{1,9}$/i.test(id)) {
        return void res.redirect(301, `${viewer.root}pledges/${id.slice(1)}${queryOf(req)}`);
      }
      if (!/^\d{1,9}$/.test(id)) throw new NotFound();
      const n = pageNumber(req);
      const pledge = await insights.findPledge(viewer.partnershipId, Number(id));
      if (!pledge) throw new NotFound();
      const register = await publicRegister(db.kysely, pledge.id, n, SIGNERS_PER_PAGE);
      if (n > 1 && register.public.length === 0) throw new NotFound();
      const model = pledgeModel(pledge, register, n, SIGNERS_PER_PAGE, options.clock(), viewer.root);
      page(res, viewer, "pledge", { title: pledge.title, crumbs: [{ href: viewer.root, label: "Scorecard" }], model, updated: latest(register.lastChanged, pledge.opensAt && pledge.opensAt <= options.clock() ? pledge.opensAt : null) });
    },
  };

  /**
   * A file a private reply carried (a board pack), for a signed board link only: built again
   * from its key as at the moment it was asked for, and sent as a download.
   */
  async function file(req: Request, res: Response, viewer: Viewer) {
    const key = req.query.key;
    const filename = String(req.params.filename);
    if (typeof key !== "string" || key.length > 300 || !/^[\w.-]{1,120}$/.test(filename)) throw new NotFound();
    const pack = readBoardPackKey(key);
    // A key is written when the pack is asked for: one for a time still to come was never given out.
    if (!pack || !filename.endsWith(`.${pack.format}`) || pack.at > options.clock()) throw new NotFound();
    let bytes: Buffer;
    try {
      bytes = await replyFileBytes(deps, viewer.partnershipId, { key, filename, title: filename });
    } catch (error) {
      // A plan or period that no longer reads is a file that does not exist.
      if (error instanceof CurveError) throw new NotFound();
      throw error;
    }
    res
      .status(200)
      .set({
        ...SECURITY_HEADERS,
        "content-type": pack.format === "pdf" ? "application/pdf" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "content-disposition": `attachment; filename="${filename}"`,
        "cache-control": "private, no-store",
        "x-robots-tag": "noindex, nofollow",
      })
      .send(bytes);
  }

  type Handler = (req: Request, res: Response, viewer: Viewer) => Promise<void>;
  const serve = (handler: Handler, board: boolean) => (req: Request, res: Response, next: NextFunction) => answer(req, res, next, board ? String(req.params.token) : null, handler);
  const noPage: Handler = async () => {
    throw new NotFound();
  };

  /** Answers as the public (token null) or a board link: the page, the site's 404, a 503 while the database cannot be reached, or a 500 with a reference and no detail. */
  async function answer(req: Request, res: Response, next: NextFunction, token: string | null, handler: Handler) {
    let viewer: Viewer | null = null;
    try {
      viewer = token === null ? await publicViewer() : await boardViewer(token);
      if (!Object.values(req.params ?? {}).every(isLookupText)) throw new NotFound();
      await handler(req, res, viewer);
    } catch (error) {
      if (error instanceof NotFound) return notFound(res, viewer);
      const reference = randomBytes(4).toString("hex");
      options.log.error("web page failed", { reference, path: logPath(req.originalUrl), error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (res.headersSent) return next(error);
      const headers = { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" };
      // Not the page's fault, and over when the database is back: 503, and when to ask again.
      if (isDatabaseUnreachable(error)) return void res.status(503).set({ ...headers, "retry-after": "30" }).send(`Curve cannot reach its database just now: please try again in a minute (reference ${reference}).`);
      res.status(500).set(headers).send(`Something went wrong on Curve's side (reference ${reference}).`);
    }
  }

  function notFound(res: Response, viewer: Viewer | null) {
    // A page that is not public looks exactly like one that does not exist.
    const html = viewer
      ? eta.render("./message", {
          title: "Page not found",
          heading: "Page not found",
          message: "There is no public page at this address. It may have been taken down, or never published.",
          partnership: viewer.partnership,
          root: viewer.root,
          signed: viewer.signed,
          crumbs: [],
          updated: null,
          shown: updatedAt(options.clock()),
        })
      : "Not found";
    res.status(404).set({ ...SECURITY_HEADERS, "content-type": viewer ? "text/html; charset=utf-8" : "text/plain; charset=utf-8", "cache-control": "no-store" }).send(html);
  }

  const routes: [string, Handler][] = [
    ["/", pages.scorecard],
    ["/plans/:plan", pages.plan],
    ["/indicators/:code", pages.indicator],
    ["/indicators/:code/chart.svg", pages.chart],
    ["/pledges/:id", pages.pledge],
  ];
  for (const [path, handler] of routes) {
    router.get(path, serve(handler, false));
    router.get(`/board/:token${path}`, serve(handler, true));
  }
  router.get("/board/:token/files/:filename", serve(file, true));
  // Every other address under the pages' own paths (`/plans/`, `/indicators/LAC/x`, `/board/<token>/y`)
  // is the site's 404 too, not the API's JSON one.
  router.get(/^\/(?:plans|indicators|pledges)(?:\/.*)?$/i, serve(noPage, false));
  router.get(/^\/board(?:\/.*)?$/i, (req, res, next) => answer(req, res, next, boardSegment(req.path), noPage));
  // The pages are read, never written: any other method on their addresses is 405, saying which
  // methods are allowed, not the API's JSON 404 (OPTIONS is Express's own answer).
  router.all(/^\/(?:(?:plans|indicators|pledges|board)(?:\/.*)?)?$/i, (req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
    res.status(405).set({ ...SECURITY_HEADERS, allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" }).send("These pages can only be read (GET or HEAD).");
  });
  // An address whose escapes do not decode (`/plans/%E0%A4%A`) is one more address with no page:
  // Express fails it while matching, before any route runs.
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== "GET" && req.method !== "HEAD") || !(error instanceof URIError)) return next(error);
    req.params = {};
    void answer(req, res, next, /^\/board(\/|$)/i.test(req.path) ? boardSegment(req.path) : null, noPage);
  });
  return router;
}
