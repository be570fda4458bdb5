/**
 * zod for every schema in quire: the mini build, which makes a schema without attaching the
 * classic API's methods to it (building config.ts's schemas with the classic API was a tenth
 * of a server's start). Unlike the classic build it brings no messages of its own: English
 * is set here, once, for every importer. Import it as a namespace (`import * as z`), so the
 * bundler keeps only what is used.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());

export * from "zod/mini";
