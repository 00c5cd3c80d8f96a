package dev.upshift.server.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.http.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A strategy's health rules and staged-rollout state, as {@code rollout.RolloutHealth} evaluates them.
 *
 * @param failureThreshold share of failed upgrade reports (basis points) above which the strategy pauses; null: never
 * @param minAttempts      reports needed before either threshold is judged
 * @param successThreshold share of successful upgrade reports (basis points) a stage needs to advance; null: none
 * @param stages           the staged rollout, empty for none; the strategy's percentage is the current stage's
 * @param stageIndex       the current stage
 * @param stageStartedAt   when the current stage began (epoch ms), null without stages
 * @param healthSince      reports count from this instant (creation or the last resume)
 * @param pausedAt         when the strategy was paused (by itself or an operator), null while not paused
 * @param pauseReason      why, in words
 */
public record StrategyHealth(Integer failureThreshold, int minAttempts, Integer successThreshold, List<Stage> stages,
                             int stageIndex, Long stageStartedAt, long healthSince, Long pausedAt,
                             String pauseReason) {

    public StrategyHealth {
        stages = List.copyOf(stages);
    }

    /** One stage: offer to {@code percentage} basis points of devices for at least {@code holdMinutes}. */
    public record Stage(int percentage, long holdMinutes) {
    }

    public boolean watched() {
        return failureThreshold != null || !stages.isEmpty();
    }

    public boolean hasNextStage() {
        return stageIndex + 1 < stages.size();
    }

    /** Reads the {@code stages} column: {@code [{"percentage": bp, "holdMinutes": n}, ...]}. */
    public static List<Stage> parseStages(String json) {
        try {
            JsonNode n = Json.MAPPER.readTree(json == null || json.isBlank() ? "[]" : json);
            List<Stage> out = new ArrayList<>();
            for (JsonNode s : n) {
                out.add(new Stage(s.path("percentage").asInt(), s.path("holdMinutes").asLong()));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("stored stages are not JSON: " + json, e);
        }
    }

    public static String encodeStages(List<Stage> stages) {
        return Json.MAPPER.valueToTree(stages).toString();
    }
}
