import { Command } from "commander";
import { diagnose } from "../node/doctor.ts";
import { resolveHome } from "../node/home.ts";
import { homeOption } from "./options.ts";

export function doctorCommand(): Command {
  return new Command("doctor")
    .description("check config.yml, the server, the home's permissions, every repo's hook, bubblewrap and docker; one line per problem with its fix")
    .option(...homeOption)
    .action(async (opts: { home?: string }) => {
      const home = resolveHome(opts.home);
      const report = await diagnose(home);
      for (const problem of report.problems) process.stdout.write(`problem: ${problem.what}; fix: ${problem.fix}\n`);
      if (report.problems.length > 0) {
        process.stdout.write(`${report.problems.length} problem${report.problems.length === 1 ? "" : "s"} found\n`);
        process.exitCode = 1;
      } else {
        process.stdout.write(`no problems (checked ${report.checked.join(", ")})\n`);
      }
    });
}
