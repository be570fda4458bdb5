// `npm run bench -- <name> [...]`: each benchmark lives in bench/<name>.ts and exports run(args).
const BENCHES = ["intake", "host-exec", "logs", "latency", "docker", "docker-exec", "scale", "scale-out", "start"] as const;

const [name, ...args] = process.argv.slice(2);
if (!name || !(BENCHES as readonly string[]).includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${BENCHES.join("|")}> [options]\n`);
  process.exit(2);
}
const module = (await import(`./${name}.ts`)) as { run: (args: string[]) => Promise<void> };
await module.run(args);
