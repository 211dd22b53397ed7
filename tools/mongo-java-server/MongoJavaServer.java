// Runs mongo-java-server's in-memory backend on 127.0.0.1 for benchmarks (tools/services/mongo.mjs).
//
//   java -cp 'classes:lib/*' MongoJavaServer [--host 127.0.0.1] [--port 0]
//
// The memory backend advertises MongoDB 5.0 with wire version 8, which the mongodb driver 7 (mongoose 9)
// refuses (it needs wire version >= 13). So it reports 5.0 with wire version 13, MongoDB 5.0's real one.
// Prints "listening on HOST:PORT" once bound. Exits when stdin closes (its parent died) or on SIGTERM.
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

public final class MongoJavaServer {
  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int port = 0;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--host")) host = args[++i];
      else if (args[i].equals("--port")) port = Integer.parseInt(args[++i]);
      else throw new IllegalArgumentException("unknown argument: " + args[i]);
    }
    MongoVersion version = new MongoVersion() {
      public List<Integer> getVersionArray() { return List.of(5, 0, 0); }
      public int getWireVersion() { return 13; }
    };
    MongoServer server = new MongoServer(new MemoryBackend().version(version));
    server.bind(host, port);
    System.out.println("listening on " + host + ":" + server.getLocalAddress().getPort());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    while (System.in.read() != -1) { /* keep reading until the parent closes our stdin */ }
    System.exit(0);
  }
}
