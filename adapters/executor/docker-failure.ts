/** Why a one-shot docker request did not succeed. */
export interface DockerFailure {
  /** `unavailable`: no docker binary or no engine answering; `failed`: docker said no. */
  kind: "unavailable" | "failed";
  exitCode: number | null;
  /** The tail of docker's stderr (or the engine's message), the part that says what went wrong. */
  message: string;
}

export const SETUP_HINT = "run scripts/setup-docker.sh (as root) to install and start a Docker engine";
