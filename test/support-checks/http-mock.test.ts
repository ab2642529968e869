import { afterEach, describe, expect, it } from "vitest";
import { checkHttpMocks, nock } from "../support/http-mock.js";

async function request(url: string): Promise<number | string> {
  try {
    return (await fetch(url)).status;
  } catch (error) {
    return String((error as Error).cause ?? error);
  }
}

// Each test checks, then clears, so the helper's own after-each check sees nothing left over.
afterEach(() => void checkHttpMocks());

describe("the strict HTTP-mock helper", () => {
  it("reports a request that no mock answered", async () => {
    nock("https://api.example.test").get("/a").reply(200);
    await request("https://api.example.test/a");
    await request("https://api.example.test/b");
    expect(checkHttpMocks()).toEqual(["request no mock answered: GET https://api.example.test/b"]);
  });

  it("reports a one-shot mock the test never used", () => {
    nock("https://api.example.test").get("/never").reply(200);
    expect(checkHttpMocks()).toEqual(["mock never used: GET https://api.example.test:443/never"]);
  });

  it("accepts a persisted stand-in API whose routes were not all called", async () => {
    const api = nock("https://api.example.test").persist();
    api.get("/used").reply(200);
    api.get("/unused").reply(200);
    expect(await request("https://api.example.test/used")).toBe(200);
    expect(checkHttpMocks()).toEqual([]);
  });

  it("lets no request out to a host that is not loopback", async () => {
    expect(String(await request("https://unmocked.example.test/"))).toMatch(/Nock: Disallowed net connect/);
    checkHttpMocks();
  });
});
