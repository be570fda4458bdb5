import { Layout } from "./layout.tsx";

/** Not found, or a token needed to read: a clear page with a way back. */
export function MessagePage(props: { root: string; readAuth: "public" | "token"; page: "not-found" | "token"; title: string; text: string }) {
  return (
    <Layout title={`${props.title} · quire`} root={props.root} page={props.page} readAuth={props.readAuth}>
      <h1>{props.title}</h1>
      <p>{props.text}</p>
      <p>
        <a href={props.root}>← all runs</a>
      </p>
    </Layout>
  );
}
