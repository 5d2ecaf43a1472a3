using System.Management.Automation;
using System.Text;
using KubeFromScratch.Infrastructure;

namespace KubeFromScratch.Commands.Hosts;

/// <summary>
/// <para type="synopsis">Opens an interactive terminal on a host, like `vagrant ssh core-01`.</para>
/// </summary>
[Cmdlet(VerbsCommon.Enter, "KubeHost", DefaultParameterSetName = "Name")]
[OutputType(typeof(void))]
public sealed class EnterKubeHostCommand : KubeCmdlet
{
    /// <summary>The connected host to open a terminal on.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Name")]
    [Alias("Host", "ComputerName")]
    [ArgumentCompleter(typeof(HostNameCompleter))]
    public string Name { get; set; } = string.Empty;

    /// <summary>A host from Get-KubeHost.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public KubeHost? InputObject { get; set; }

    /// <summary>The terminal type announced to the host.</summary>
    [Parameter]
    public string Terminal { get; set; } = "xterm-256color";

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        string name = InputObject?.Name ?? Name;
        if (!Session.TryGet(name, out var entry))
        {
            ThrowTerminatingError(Error("HostNotConnected", ErrorCategory.ObjectNotFound, name,
                $"No host named '{name}' is connected in this session. Run Connect-KubeHost for it first."));
            return;
        }

        if (!InteractiveHost.IsInteractive(this) || Console.IsOutputRedirected)
        {
            ThrowTerminatingError(Error("InteractiveTerminalRequired", ErrorCategory.InvalidOperation, name,
                "Enter-KubeHost needs an interactive console (keyboard in, terminal out). In scripts use Invoke-KubeHostCommand instead."));
            return;
        }

        uint columns = (uint)Math.Max(20, Console.WindowWidth);
        uint rows = (uint)Math.Max(5, Console.WindowHeight);
        Engine.Ssh.InteractiveShell opened;
        try
        {
            opened = entry.Connection.OpenShellAsync(Terminal, columns, rows, CancelToken).GetAwaiter().GetResult();
        }
        catch (KfsException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
            return;
        }

        using var shell = opened;
        using var closed = new CancellationTokenSource();
        shell.Closed += (_, _) =>
        {
            // SSH.NET raises Closed on a pool thread, possibly after this method has returned and disposed `closed`;
            // an exception there would end the whole PowerShell process.
            try
            {
                closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already back at the prompt.
            }
        };
        var stdout = Console.OpenStandardOutput();
        var pump = Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (!closed.IsCancellationRequested)
                {
                    int n = await shell.ReadAsync(buffer, closed.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    stdout.Write(buffer, 0, n);
                    stdout.Flush();
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or IOException)
            {
                // The shell closed.
            }
            finally
            {
                closed.Cancel();
            }
        });

        bool ctrlC = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true; // Ctrl-C belongs to the remote shell while it is open.
        try
        {
            while (!closed.IsCancellationRequested && !CancelToken.IsCancellationRequested)
            {
                if (Console.WindowWidth != columns || Console.WindowHeight != rows)
                {
                    columns = (uint)Math.Max(20, Console.WindowWidth);
                    rows = (uint)Math.Max(5, Console.WindowHeight);
                    shell.Resize(columns, rows);
                }

                if (!Console.KeyAvailable)
                {
                    closed.Token.WaitHandle.WaitOne(10);
                    continue;
                }

                byte[] bytes = TerminalKeys.Encode(Console.ReadKey(intercept: true));
                if (bytes.Length > 0)
                {
                    shell.Write(bytes);
                }
            }
        }
        finally
        {
            Console.TreatControlCAsInput = ctrlC;
            closed.Cancel();
            pump.Wait(TimeSpan.FromSeconds(1));
        }
    }
}

/// <summary>Turns console key presses into the bytes a VT100/xterm terminal sends.</summary>
internal static class TerminalKeys
{
    public static byte[] Encode(ConsoleKeyInfo key)
    {
        string? sequence = key.Key switch
        {
            ConsoleKey.UpArrow => "\e[A",
            ConsoleKey.DownArrow => "\e[B",
            ConsoleKey.RightArrow => "\e[C",
            ConsoleKey.LeftArrow => "\e[D",
            ConsoleKey.Home => "\e[H",
            ConsoleKey.End => "\e[F",
            ConsoleKey.Insert => "\e[2~",
            ConsoleKey.Delete => "\e[3~",
            ConsoleKey.PageUp => "\e[5~",
            ConsoleKey.PageDown => "\e[6~",
            ConsoleKey.F1 => "\eOP",
            ConsoleKey.F2 => "\eOQ",
            ConsoleKey.F3 => "\eOR",
            ConsoleKey.F4 => "\eOS",
            ConsoleKey.Backspace => "\x7f",
            ConsoleKey.Enter => "\r",
            _ => null,
        };
        if (sequence is null)
        {
            if (key.KeyChar == '\0')
            {
                return Array.Empty<byte>();
            }

            sequence = key.KeyChar.ToString();
            if ((key.Modifiers & ConsoleModifiers.Alt) != 0)
            {
                sequence = "\e" + sequence;
            }
        }

        return Encoding.UTF8.GetBytes(sequence);
    }
}
