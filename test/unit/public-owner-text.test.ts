import { describe, expect, it } from "vitest";
import { publicOwnerText } from "../../src/domain/web/publishing.ts";

describe("an action's owner on a public page", () => {
  it("keeps the plan's own words when they carry no contact details (the Leeds demo's owner cells)", () => {
    for (const owner of [
      "Jancis Andrew & Ken Morton through Multi agency implementation group",
      "to be agreed",
      "Saleem Tariq/ Sue May",
      "11-19(25) IAG and Progression group Connexions",
      "Care Leavers Sub-group of the Multi-Agency Looked after Partnership (MALAP)",
    ]) {
      expect(publicOwnerText(owner)).toBe(owner);
    }
  });

  it("takes out emails, phone numbers, postcodes and identifiers, and the brackets, labels and separators they leave", () => {
    expect(publicOwnerText("Fred Bloggs (fred.bloggs@gmail.com, 07700 900123)")).toBe("Fred Bloggs");
    expect(publicOwnerText("Sue May sue.may@leeds.gov.uk")).toBe("Sue May");
    expect(publicOwnerText("Sue May, tel: 0113 222 4444")).toBe("Sue May");
    expect(publicOwnerText("Jim (Tel 0113 222 4444 / jim@leeds.gov.uk) and Ann")).toBe("Jim and Ann");
    expect(publicOwnerText("Head of Service, LS1 4AP")).toBe("Head of Service");
    expect(publicOwnerText("Pat Lee NHS 943 476 5919")).toBe("Pat Lee");
  });

  it("leaves nothing when the cell held only contact details", () => {
    expect(publicOwnerText("jane@example.org")).toBeNull();
    expect(publicOwnerText(null)).toBeNull();
  });
});
