import { VipdError, isVipdError } from '../errors';
import type { CommandResult, CommandRunner } from './runner';

/** The system tools the configurator runs, with the Debian package that ships each. */
export interface Tool {
  readonly file: 'ip' | 'arping' | 'ndisc6';
  readonly debianPackage: string;
  readonly versionArgs: readonly string[];
  /** Text the version output must contain: another program with the same name takes other flags. */
  readonly mustMention: string | null;
}

export const TOOLS: Readonly<Record<Tool['file'], Tool>> = {
  ip: { file: 'ip', debianPackage: 'iproute2', versionArgs: ['-V'], mustMention: 'iproute2' },
  // Debian's separate "arping" package (Thomas Habets') has different flags.
  arping: { file: 'arping', debianPackage: 'iputils-arping', versionArgs: ['-V'], mustMention: 'iputils' },
  ndisc6: { file: 'ndisc6', debianPackage: 'ndisc6', versionArgs: ['-V'], mustMention: null },
};

export async function checkTool(runner: CommandRunner, tool: Tool, timeoutMs: number): Promise<void> {
  const details = { tool: tool.file, package: tool.debianPackage };
  let result: CommandResult;
  try {
    result = await runner.run(tool.file, tool.versionArgs, { timeoutMs });
  } catch (e) {
    if (isVipdError(e) && e.code === 'VIPD_E_TOOL_MISSING') {
      throw new VipdError('VIPD_E_TOOL_MISSING', `${tool.file} is not installed: install the Debian package ${tool.debianPackage}`, { cause: e, details });
    }
    throw e;
  }
  const output = `${result.stdout}\n${result.stderr}`;
  if (tool.mustMention !== null ? !output.includes(tool.mustMention) : result.exitCode !== 0) {
    throw new VipdError(
      'VIPD_E_TOOL_MISSING',
      `${tool.file} is not the program from ${tool.debianPackage} (\`${tool.file} ${tool.versionArgs.join(' ')}\` exited ${result.exitCode}): install the Debian package ${tool.debianPackage}`,
      { details: { ...details, version: output.trim().slice(0, 200) } },
    );
  }
}
