/**
 * The one module that imports the command-line parser (commander with typed options).
 * Swapping the parser later touches only this file.
 *
 * @module
 */
export {
  Command,
  CommanderError,
  type CommandUnknownOpts,
  Help,
  InvalidArgumentError,
  Option,
} from "@commander-js/extra-typings";
