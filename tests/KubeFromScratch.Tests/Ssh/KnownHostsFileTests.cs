using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using KubeFromScratch.Engine.Ssh;
using Xunit;

namespace KubeFromScratch.Tests.Ssh;

/// <summary>
/// Pins known_hosts reading and writing to OpenSSH behaviour, using real ssh-keygen keys, hashing and lookups
/// (<c>ssh-keygen -F</c>) as the referee where it is installed.
/// </summary>
public sealed class KnownHostsFileTests : IDisposable
{
    private const string SshKeygen = "/usr/bin/ssh-keygen";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // ---- Lookup names -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("core-01", 22, "core-01")]
    [InlineData("Core-01", 22, "core-01")]
    [InlineData("127.0.0.1", 2222, "[127.0.0.1]:2222")]
    [InlineData("::1", 2200, "[::1]:2200")]
    public void Lookup_name_is_bare_on_port_22_and_bracketed_otherwise(string host, int port, string expected)
    {
        Assert.Equal(expected, KnownHostsFile.LookupName(host, port));
    }

    [Fact]
    public void Default_path_is_known_hosts_in_the_users_ssh_directory()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, ".ssh", "known_hosts"), KnownHostsFile.DefaultPath);
    }

    // ---- Check ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Plain_entry_matches_its_host_on_port_22()
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write("# comment", "", Line("core-01", key));

        var check = file.Check("core-01", 22, "ssh-ed25519", key);

        Assert.Equal(KnownHostStatus.Match, check.Status);
        Assert.Equal(3, check.LineNumber);
        Assert.Equal(file.Path, check.Path);
        Assert.Equal("core-01", check.LookupName);
        Assert.Equal("ssh-ed25519", check.KeyAlgorithm);
        Assert.Equal(KnownHostsFile.Fingerprint(key), check.KeyFingerprint);
    }

    [Fact]
    public void Host_names_are_compared_without_regard_to_case()
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write(Line("Core-01.Example.COM", key));

        Assert.Equal(KnownHostStatus.Match, file.Check("CORE-01.example.com", 22, "ssh-ed25519", key).Status);
    }

    [Fact]
    public void Bracketed_port_entry_matches_only_that_port()
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write(Line("[127.0.0.1]:2222", key));

        Assert.Equal(KnownHostStatus.Match, file.Check("127.0.0.1", 2222, "ssh-ed25519", key).Status);
        Assert.Equal(KnownHostStatus.Unknown, file.Check("127.0.0.1", 2200, "ssh-ed25519", key).Status);
        Assert.Equal(KnownHostStatus.Unknown, file.Check("127.0.0.1", 22, "ssh-ed25519", key).Status);
    }

    [Fact]
    public void Bare_entry_does_not_cover_other_ports()
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write(Line("127.0.0.1", key));

        Assert.Equal(KnownHostStatus.Unknown, file.Check("127.0.0.1", 2222, "ssh-ed25519", key).Status);
    }

    [Fact]
    public void Entry_listing_several_names_matches_each_of_them()
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write(Line("core-01,192.168.56.11,[127.0.0.1]:2222", key));

        Assert.Equal(KnownHostStatus.Match, file.Check("core-01", 22, "ssh-ed25519", key).Status);
        Assert.Equal(KnownHostStatus.Match, file.Check("192.168.56.11", 22, "ssh-ed25519", key).Status);
        Assert.Equal(KnownHostStatus.Match, file.Check("127.0.0.1", 2222, "ssh-ed25519", key).Status);
        Assert.Equal(KnownHostStatus.Unknown, file.Check("core-02", 22, "ssh-ed25519", key).Status);
    }

    [Fact]
    public void Hashed_entry_matches_the_host_it_was_made_for()
    {
        var key = FakeKey("ssh-ed25519");
        var salt = RandomNumberGenerator.GetBytes(20);
        var file = Write(Line(KnownHostsFile.HashHostName("[127.0.0.1]:2222", salt), key));

        Assert.Equal(KnownHostStatus.Match, file.Check("127.0.0.1", 2222, "ssh-ed25519", key).Status);
    }

    [Fact]
    public void Hashed_entry_does_not_match_another_host()
    {
        var key = FakeKey("ssh-ed25519");
        var salt = RandomNumberGenerator.GetBytes(20);
        var file = Write(Line(KnownHostsFile.HashHostName("[127.0.0.1]:2222", salt), key));

        Assert.Equal(KnownHostStatus.Unknown, file.Check("127.0.0.1", 2200, "ssh-ed25519", key).Status);
        Assert.Equal(KnownHostStatus.Unknown, file.Check("127.0.0.2", 2222, "ssh-ed25519", key).Status);
    }

    [Theory]
    [InlineData("*.example.com", "core-01.example.com", 22, true)]
    [InlineData("*.example.com", "example.com", 22, false)]
    [InlineData("core-0?", "core-01", 22, true)]
    [InlineData("core-0?", "core-010", 22, false)]
    [InlineData("192.168.56.*", "192.168.56.12", 22, true)]
    [InlineData("[127.0.0.1]:22*", "127.0.0.1", 2222, true)]
    [InlineData("[127.0.0.1]:22*", "127.0.0.1", 2301, false)]
    [InlineData("*", "anything.at.all", 22, true)]
    [InlineData("*.example.com,!bad.example.com", "good.example.com", 22, true)]
    [InlineData("*.example.com,!bad.example.com", "bad.example.com", 22, false)]
    [InlineData("!bad.example.com,*.example.com", "bad.example.com", 22, false)]
    [InlineData("!bad.example.com", "good.example.com", 22, false)]
    public void Wildcards_match_and_negation_excludes_the_line(string patterns, string host, int port, bool matches)
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write(Line(patterns, key));

        var expected = matches ? KnownHostStatus.Match : KnownHostStatus.Unknown;
        Assert.Equal(expected, file.Check(host, port, "ssh-ed25519", key).Status);
    }

    [Fact]
    public void Negated_line_does_not_stop_a_later_line_from_matching()
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write(Line("*,!core-01", key), Line("core-01", key));

        var check = file.Check("core-01", 22, "ssh-ed25519", key);

        Assert.Equal(KnownHostStatus.Match, check.Status);
        Assert.Equal(2, check.LineNumber);
    }

    [Fact]
    public void Different_key_of_the_same_type_is_a_mismatch_naming_the_line()
    {
        var known = FakeKey("ssh-ed25519");
        var presented = FakeKey("ssh-ed25519");
        var file = Write(
            "# workshop hosts",
            Line("core-02", FakeKey("ssh-ed25519")),
            "",
            Line("[127.0.0.1]:2222", known),
            Line("[127.0.0.1]:2200", presented));

        var check = file.Check("127.0.0.1", 2222, "ssh-ed25519", presented);

        Assert.Equal(KnownHostStatus.Mismatch, check.Status);
        Assert.Equal(4, check.LineNumber);
        Assert.Equal("ssh-ed25519", check.KnownKeyAlgorithm);
        Assert.Equal(KnownHostsFile.Fingerprint(known), check.KnownKeyFingerprint);
        Assert.Equal(KnownHostsFile.Fingerprint(presented), check.KeyFingerprint);
        Assert.Equal("[127.0.0.1]:2222", check.LookupName);
    }

    [Fact]
    public void Matching_line_anywhere_wins_over_an_earlier_stale_line()
    {
        var stale = FakeKey("ssh-ed25519");
        var current = FakeKey("ssh-ed25519");
        var file = Write(Line("core-01", stale), Line("core-01", current));

        var check = file.Check("core-01", 22, "ssh-ed25519", current);

        Assert.Equal(KnownHostStatus.Match, check.Status);
        Assert.Equal(2, check.LineNumber);
    }

    [Fact]
    public void Key_of_another_type_only_is_unknown()
    {
        var file = Write(Line("core-01", FakeKey("ssh-rsa")), Line("core-01", FakeKey("ecdsa-sha2-nistp256")));

        var check = file.Check("core-01", 22, "ssh-ed25519", FakeKey("ssh-ed25519"));

        Assert.Equal(KnownHostStatus.Unknown, check.Status);
        Assert.Null(check.LineNumber);
        Assert.Null(check.KnownKeyAlgorithm);
        Assert.Null(check.KnownKeyFingerprint);
    }

    [Fact]
    public void Other_ecdsa_curve_is_another_type()
    {
        var file = Write(Line("core-01", FakeKey("ecdsa-sha2-nistp384")));

        var check = file.Check("core-01", 22, "ecdsa-sha2-nistp256", FakeKey("ecdsa-sha2-nistp256"));

        Assert.Equal(KnownHostStatus.Unknown, check.Status);
    }

    [Theory]
    [InlineData("rsa-sha2-512")]
    [InlineData("rsa-sha2-256")]
    [InlineData("ssh-rsa")]
    public void Rsa_key_negotiated_under_a_sha2_name_is_compared_as_ssh_rsa(string negotiated)
    {
        var known = FakeKey("ssh-rsa");
        var file = Write(Line("core-01", known));

        Assert.Equal(KnownHostStatus.Match, file.Check("core-01", 22, negotiated, known).Status);

        var changed = file.Check("core-01", 22, negotiated, FakeKey("ssh-rsa"));
        Assert.Equal(KnownHostStatus.Mismatch, changed.Status);
        Assert.Equal("ssh-rsa", changed.KeyAlgorithm);
        Assert.Equal("ssh-rsa", changed.KnownKeyAlgorithm);
    }

    [Fact]
    public void Unreadable_blob_falls_back_to_the_normalised_negotiated_name()
    {
        var file = Write(Line("core-01", FakeKey("ssh-rsa")));

        var check = file.Check("core-01", 22, "rsa-sha2-512", [1, 2, 3]);

        Assert.Equal(KnownHostStatus.Mismatch, check.Status);
        Assert.Equal("ssh-rsa", check.KeyAlgorithm);
    }

    [Fact]
    public void Revoked_key_is_revoked_even_when_also_trusted()
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write(Line("core-01", key), "@revoked * " + KeyText(key));

        var check = file.Check("core-01", 22, "ssh-ed25519", key);

        Assert.Equal(KnownHostStatus.Revoked, check.Status);
        Assert.Equal(2, check.LineNumber);
    }

    [Fact]
    public void Revoked_line_for_another_host_or_key_does_not_apply()
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write(
            Line("core-01", key),
            "@revoked core-02 " + KeyText(key),
            "@revoked core-01 " + KeyText(FakeKey("ssh-ed25519")));

        Assert.Equal(KnownHostStatus.Match, file.Check("core-01", 22, "ssh-ed25519", key).Status);
    }

    [Fact]
    public void Cert_authority_lines_are_ignored_for_plain_host_keys()
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write("@cert-authority *.example.com " + KeyText(FakeKey("ssh-ed25519")),
            "@cert-authority core.example.com " + KeyText(key));

        // Neither a match (a CA key is not the host key) nor a mismatch (it is not a host key line at all).
        Assert.Equal(KnownHostStatus.Unknown, file.Check("core.example.com", 22, "ssh-ed25519", key).Status);
    }

    [Fact]
    public void Malformed_lines_are_skipped_without_throwing()
    {
        var key = FakeKey("ssh-ed25519");
        var file = Write(
            "core-01",
            "core-01 ssh-ed25519",
            "core-01 ssh-ed25519 not*base64!",
            "core-01 ssh-rsa " + Convert.ToBase64String(key),
            "core-01 ssh-ed25519 " + Convert.ToBase64String([0, 0, 0]),
            "core-01 ssh-ed25519 " + Convert.ToBase64String([0xff, 0xff, 0xff, 0xff, 1, 2]),
            "@unknown-marker core-01 " + KeyText(FakeKey("ssh-ed25519")),
            "core-01 1024 35 1234567890",
            "|1|bm90IGEgc2FsdA==|AAAA " + KeyText(FakeKey("ssh-ed25519")),
            "|1|onlyonepart " + KeyText(FakeKey("ssh-ed25519")),
            "|2|abc|def " + KeyText(FakeKey("ssh-ed25519")),
            "\t  # indented comment",
            "\u0000\u0001 garbage \uFFFD",
            "   " + Line("core-01", key) + " trailing comment words\r");

        var check = file.Check("core-01", 22, "ssh-ed25519", key);

        Assert.Equal(KnownHostStatus.Match, check.Status);
        Assert.Equal(14, check.LineNumber);
    }

    [Fact]
    public void Missing_file_means_every_host_is_unknown()
    {
        var file = new KnownHostsFile(_temp.File("no/such/dir/known_hosts"));

        Assert.Equal(KnownHostStatus.Unknown, file.Check("core-01", 22, "ssh-ed25519", FakeKey("ssh-ed25519")).Status);
    }

    // ---- Add -----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Added_key_then_matches(bool hash)
    {
        var key = FakeKey("ssh-ed25519");
        var file = new KnownHostsFile(_temp.File("known_hosts"));

        file.Add("127.0.0.1", 2222, "ssh-ed25519", key, hash);

        var check = file.Check("127.0.0.1", 2222, "ssh-ed25519", key);
        Assert.Equal(KnownHostStatus.Match, check.Status);
        Assert.Equal(1, check.LineNumber);
        Assert.Equal(KnownHostStatus.Unknown, file.Check("127.0.0.1", 2200, "ssh-ed25519", key).Status);
    }

    [Fact]
    public void Added_line_has_the_form_ssh_writes()
    {
        var key = FakeKey("ssh-rsa");
        var file = new KnownHostsFile(_temp.File("known_hosts"));

        file.Add("Core-01", 22, "rsa-sha2-512", key);
        file.Add("127.0.0.1", 2222, "rsa-sha2-256", key, hash: true);

        var lines = File.ReadAllText(file.Path).Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal("core-01 ssh-rsa " + Convert.ToBase64String(key), lines[0]);
        Assert.Matches(@"^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}= ssh-rsa " + Regex(Convert.ToBase64String(key)) + "$",
            lines[1]);
        Assert.Equal("", lines[2]);
    }

    [Fact]
    public void Add_refuses_a_blob_that_is_not_a_key()
    {
        var file = new KnownHostsFile(_temp.File("known_hosts"));

        Assert.Throws<ArgumentException>(() => file.Add("core-01", 22, "ssh-ed25519", [1, 2, 3]));
        Assert.False(File.Exists(file.Path));
    }

    [Fact]
    public void Add_keeps_existing_lines_and_supplies_a_missing_final_newline()
    {
        var path = _temp.File("known_hosts");
        var existing = "# mine\r\n" + Line("core-02", FakeKey("ssh-ed25519")) + "\n@revoked * " + KeyText(FakeKey("ssh-rsa"));
        File.WriteAllText(path, existing);
        var key = FakeKey("ssh-ed25519");
        var file = new KnownHostsFile(path);

        file.Add("core-01", 22, "ssh-ed25519", key);

        Assert.Equal(existing + "\n" + Line("core-01", key) + "\n", File.ReadAllText(path));
        Assert.Equal(4, file.Check("core-01", 22, "ssh-ed25519", key).LineNumber);
    }

    [Fact]
    public void Add_to_an_empty_file_adds_no_blank_line()
    {
        var path = _temp.File("known_hosts");
        File.WriteAllText(path, "");
        var key = FakeKey("ssh-ed25519");

        new KnownHostsFile(path).Add("core-01", 22, "ssh-ed25519", key);

        Assert.Equal(Line("core-01", key) + "\n", File.ReadAllText(path));
    }

    [Fact]
    public void Add_creates_an_owner_only_directory_and_file()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var directory = _temp.File("home/.ssh");
        var file = new KnownHostsFile(Path.Combine(directory, "known_hosts"));

        file.Add("core-01", 22, "ssh-ed25519", FakeKey("ssh-ed25519"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(directory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.Path));
    }

    [Fact]
    public void Add_leaves_the_mode_of_an_existing_file_alone()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = _temp.File("known_hosts");
        File.WriteAllText(path, "");
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(path, mode);

        new KnownHostsFile(path).Add("core-01", 22, "ssh-ed25519", FakeKey("ssh-ed25519"));

        Assert.Equal(mode, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Concurrent_adds_from_8_threads_leave_8_complete_lines()
    {
        var path = _temp.File("known_hosts");
        File.WriteAllText(path, "# no final newline");
        var keys = Enumerable.Range(0, 8).Select(_ => FakeKey("ssh-rsa", 400)).ToArray();
        using var start = new Barrier(8);

        // Separate instances, as separate sessions would have; the lock is per file, not per instance.
        var threads = keys.Select((key, i) => new Thread(() =>
        {
            var file = new KnownHostsFile(path);
            start.SignalAndWait();
            file.Add($"core-{i:00}", 22, "ssh-rsa", key, hash: i % 2 == 0);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var lines = File.ReadAllText(path).Split('\n');
        Assert.Equal(10, lines.Length);
        Assert.Equal("# no final newline", lines[0]);
        Assert.Equal("", lines[9]);
        var reader = new KnownHostsFile(path);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(KnownHostStatus.Match, reader.Check($"core-{i:00}", 22, "ssh-rsa", keys[i]).Status);
        }
    }

    // ---- Fingerprints and real OpenSSH files -----------------------------------------------------------------------

    [Fact]
    public void Fingerprint_is_unpadded_base64_sha256_of_the_blob()
    {
        // SHA-256 of no bytes, as ssh-keygen would print it.
        Assert.Equal("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", KnownHostsFile.Fingerprint([]));
    }

    [RequiresProgramTheory(SshKeygen)]
    [InlineData("ed25519")]
    [InlineData("ecdsa")]
    [InlineData("rsa")]
    public void Fingerprint_equals_what_ssh_keygen_prints(string type)
    {
        var key = GenerateKey(type);

        // "256 SHA256:... comment (ED25519)"
        var output = LocalProcess.RunChecked(SshKeygen, "-l", "-E", "sha256", "-f", key.PubPath);

        Assert.Equal(output.Split(' ')[1], KnownHostsFile.Fingerprint(key.Blob));
    }

    [RequiresProgramFact(SshKeygen)]
    public void Keyscan_style_lines_from_real_keys_are_found()
    {
        var ed25519 = GenerateKey("ed25519");
        var rsa = GenerateKey("rsa");
        var ecdsa = GenerateKey("ecdsa");

        // ssh-keyscan prints "name type base64" without a comment; .pub lines carry one.
        var file = Write(
            "[127.0.0.1]:2222 " + ed25519.TypeAndBase64,
            "[127.0.0.1]:2222 " + rsa.TypeAndBase64,
            "[127.0.0.1]:2200 " + ecdsa.PubLine);

        Assert.Equal(KnownHostStatus.Match, file.Check("127.0.0.1", 2222, "ssh-ed25519", ed25519.Blob).Status);
        Assert.Equal(KnownHostStatus.Match, file.Check("127.0.0.1", 2222, "rsa-sha2-512", rsa.Blob).Status);
        Assert.Equal(KnownHostStatus.Match, file.Check("127.0.0.1", 2200, ecdsa.Type, ecdsa.Blob).Status);
        Assert.Equal(KnownHostStatus.Unknown, file.Check("127.0.0.1", 2200, "ssh-ed25519", ed25519.Blob).Status);
    }

    [RequiresProgramFact(SshKeygen)]
    public void Lookups_agree_with_ssh_keygen_on_a_file_it_hashed()
    {
        var keys = Enumerable.Range(0, 4).Select(_ => GenerateKey("ed25519")).ToArray();
        var file = Write(
            "# hosts",
            "core-01 " + keys[0].TypeAndBase64,
            "[127.0.0.1]:2222 " + keys[1].TypeAndBase64,
            "[127.0.0.1]:2200," + "192.168.56.12 " + keys[2].TypeAndBase64,
            "*.example.com,!bad.example.com " + keys[3].TypeAndBase64);

        // Hashes the plain names in place (wildcard lines are left as they are, as ssh-keygen cannot hash them).
        LocalProcess.Run(SshKeygen, ["-H", "-f", file.Path]);
        Assert.Contains("|1|", File.ReadAllText(file.Path), StringComparison.Ordinal);
        Assert.DoesNotContain("core-01", File.ReadAllText(file.Path), StringComparison.Ordinal);

        var queries = new (string Host, int Port)[]
        {
            ("core-01", 22), ("core-01", 2222), ("CORE-01", 22), ("core-02", 22), ("127.0.0.1", 2222),
            ("127.0.0.1", 2200), ("127.0.0.1", 22), ("192.168.56.12", 22), ("192.168.56.12", 2200),
            ("good.example.com", 22), ("bad.example.com", 22),
        };
        foreach (var (host, port) in queries)
        {
            var lookupName = KnownHostsFile.LookupName(host, port);
            var referee = LocalProcess.Run(SshKeygen, ["-F", lookupName, "-f", file.Path]);
            foreach (var key in keys)
            {
                var refereeFound = referee.ExitCode == 0 &&
                                   referee.StdOut.Contains(key.Base64, StringComparison.Ordinal);
                var status = file.Check(host, port, "ssh-ed25519", key.Blob).Status;
                Assert.True(refereeFound == (status == KnownHostStatus.Match),
                    $"{lookupName} with key {key.Base64[..12]}: ssh-keygen found={refereeFound}, Check={status}");
            }
        }
    }

    [RequiresProgramFact(SshKeygen)]
    public void Lines_added_here_are_found_by_ssh_keygen()
    {
        var key = GenerateKey("ed25519");
        var file = new KnownHostsFile(_temp.File("known_hosts"));

        file.Add("127.0.0.1", 2222, "ssh-ed25519", key.Blob);
        file.Add("core-01", 22, "ssh-ed25519", key.Blob, hash: true);

        foreach (var name in new[] { "[127.0.0.1]:2222", "core-01" })
        {
            var result = LocalProcess.Run(SshKeygen, ["-F", name, "-f", file.Path]);
            Assert.True(result.ExitCode == 0, $"ssh-keygen -F {name} did not find the added line: {result.StdErr}");
            Assert.Contains(key.Base64, result.StdOut, StringComparison.Ordinal);
        }

        Assert.NotEqual(0, LocalProcess.Run(SshKeygen, ["-F", "core-02", "-f", file.Path]).ExitCode);
    }

    // ---- Helpers -------------------------------------------------------------------------------------------------

    private KnownHostsFile Write(params string[] lines)
    {
        var path = _temp.File("known_hosts");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return new KnownHostsFile(path);
    }

    private static string Line(string hosts, byte[] blob) => hosts + " " + KeyText(blob);

    private static string KeyText(byte[] blob) =>
        KnownHostsFile.ReadKeyType(blob) + " " + Convert.ToBase64String(blob);

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    /// <summary>A well-formed wire blob (type name, then random key material) for tests that need no real key.</summary>
    private static byte[] FakeKey(string type, int materialLength = 32)
    {
        var name = Encoding.ASCII.GetBytes(type);
        var blob = new byte[4 + name.Length + 4 + materialLength];
        BinaryPrimitives.WriteUInt32BigEndian(blob, (uint)name.Length);
        name.CopyTo(blob, 4);
        BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(4 + name.Length), (uint)materialLength);
        RandomNumberGenerator.Fill(blob.AsSpan(8 + name.Length));
        return blob;
    }

    private sealed record GeneratedKey(string PubPath, string PubLine, string Type, string Base64, byte[] Blob)
    {
        public string TypeAndBase64 => Type + " " + Base64;
    }

    private GeneratedKey GenerateKey(string type)
    {
        var path = _temp.File($"key-{Guid.NewGuid():N}");
        var args = new List<string> { "-q", "-t", type, "-N", "", "-C", "test key", "-f", path };
        if (type == "rsa")
        {
            // Smallest size ssh-keygen accepts, to keep the test quick.
            args.InsertRange(0, ["-b", "1024"]);
        }

        LocalProcess.RunChecked(SshKeygen, [.. args]);
        var pubLine = File.ReadAllText(path + ".pub").Trim();
        var fields = pubLine.Split(' ');
        return new GeneratedKey(path + ".pub", pubLine, fields[0], fields[1], Convert.FromBase64String(fields[1]));
    }
}
