/** Progress for long commands: a bar redrawn in place on a terminal, plain lines otherwise (logs, CI). */
export interface Progress {
  update(stage: string, done: number, total?: number): void;
  done(): void;
}

const WIDTH = 30;

export function createProgress(out: NodeJS.WritableStream, tty: boolean): Progress {
  let lastStage = "";
  let lastLine = 0;
  let drawn = false;
  return {
    update(stage, done, total) {
      if (tty) {
        const bar = total ? `[${"#".repeat(Math.round((WIDTH * Math.min(done, total)) / Math.max(total, 1))).padEnd(WIDTH, "-")}] ${done}/${total}` : `${done}`;
        out.write(`\r\x1b[2K${stage} ${bar}`);
        drawn = true;
        return;
      }
      // Plain lines: one when a stage starts, then at most one every 10%, and one at its end.
      const step = total ? Math.max(1, Math.ceil(total / 10)) : 5000;
      if (stage !== lastStage || done - lastLine >= step || (total !== undefined && done === total && lastLine !== done)) {
        out.write(`${stage}: ${done}${total !== undefined ? `/${total}` : ""}\n`);
        lastStage = stage;
        lastLine = done;
      }
    },
    done() {
      if (tty && drawn) out.write("\r\x1b[2K");
      drawn = false;
    },
  };
}
